import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { Centre } from '../centre.ts';
import { LEAF_KINDS, type LeafKind } from '../log/transparency-log.ts';
import type { AppEnv } from '../http/auth.ts';
import { integerOr, integerText, mediaResponse, pageLimit } from '../http/schemas.ts';
import type { RouteDeps } from './deps.ts';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

const KIND_MESSAGE = `kind must be one of ${LEAF_KINDS.join(', ')}`;
// Order commitments (PROTOCOL 10.4) are leaves too: listed, and proved by kind and the order's number as version.
const kind = z.enum(LEAF_KINDS, { error: KIND_MESSAGE });

const InclusionProof = z
  .object({
    kind,
    version: z.number().int(),
    leafIndex: z.number().int(),
    treeSize: z.number().int(),
    leafHash: z.string().openapi({ description: 'Base64' }),
    proof: z.array(z.string()).openapi({ description: 'RFC 6962 audit path, base64 hashes' }),
  })
  .openapi('InclusionProof');

const ConsistencyProof = z
  .object({ from: z.number().int(), to: z.number().int(), proof: z.array(z.string()).openapi({ description: 'RFC 6962 consistency proof, base64 hashes' }) })
  .openapi('ConsistencyProof');

const CHECKPOINT = defineRoute({
  method: 'get',
  path: '/checkpoint',
  summary: 'The latest signed checkpoint (a C2SP signed note), with the witness cosignatures of its body',
  access: 'public',
  responses: { 200: mediaResponse('The checkpoint note', 'text/plain') },
});

const INCLUSION = defineRoute({
  method: 'get',
  path: '/proof/inclusion',
  summary: "Proof that a version's delta or snapshot, or an order's commitment, is in the log",
  access: 'public',
  query: z.object({ kind: kind.optional().default('delta'), version: integerText('version', 1), size: integerText('size', 1) }),
  responses: { 200: { description: 'The proof', content: { 'application/json': { schema: InclusionProof } } } },
  errors: { 404: ['NOT_FOUND'] },
});

const INCLUSION_PATH = defineRoute({
  method: 'get',
  path: '/proof/inclusion/:kind/:version/:size',
  summary: 'The inclusion proof, at a static path',
  access: 'public',
  params: z.object({ kind, version: integerText('version', 1), size: integerText('size', 1) }),
  responses: { 200: { description: 'The proof', content: { 'application/json': { schema: InclusionProof } } } },
  errors: { 404: ['NOT_FOUND'] },
});

const CONSISTENCY = defineRoute({
  method: 'get',
  path: '/proof/consistency',
  summary: 'Proof that the log of size `to` extends the log of size `from`',
  access: 'public',
  query: z.object({ from: integerText('from', 1), to: integerText('to', 1) }),
  responses: { 200: { description: 'The proof', content: { 'application/json': { schema: ConsistencyProof } } } },
});

const CONSISTENCY_PATH = defineRoute({
  method: 'get',
  path: '/proof/consistency/:from/:to',
  summary: 'The consistency proof, at a static path',
  access: 'public',
  params: z.object({ from: integerText('from', 1), to: integerText('to', 1) }),
  responses: { 200: { description: 'The proof', content: { 'application/json': { schema: ConsistencyProof } } } },
});

const LEAVES = defineRoute({
  method: 'get',
  path: '/leaves',
  summary: 'Leaf hashes from an index (never the envelopes they commit to)',
  access: 'public',
  query: z.object({ start: integerOr('start', { fallback: 0 }), limit: pageLimit(1000, 100) }),
  responses: {
    200: {
      description: 'The leaves',
      content: {
        'application/json': {
          schema: z.object({
            leaves: z.array(z.object({ index: z.number().int(), leafHash: z.string(), kind, version: z.number().int(), appendedAt: z.number().int() })),
          }),
        },
      },
    },
  },
});

/**
 * The public transparency log: checkpoints and proofs for anyone (auditors,
 * witnesses, providers). Only leaf hashes are public; the envelopes they
 * commit to, which carry hashes, go to providers alone.
 */
export function logRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'log');
  const { log } = centre;

  api.handle(CHECKPOINT, (c) => {
    // The checkpoint follows the latest leaf (recorded now if the log grew since the last), with the witnesses' cosignatures of its body.
    return c.body(centre.signedCheckpoint(clock()).served, 200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
  });

  const inclusion = (kind: LeafKind, version: number, size: number) => {
    const index = log.leafIndex(kind, version);
    if (index === undefined) throw new ApiError(404, 'NOT_FOUND', `no ${kind} of version ${version} is in the log`);
    checkSize(centre, size);
    if (index >= size) throw new ApiError(400, 'BAD_REQUEST', `the ${kind} of version ${version} is leaf ${index}, not inside a tree of size ${size}`);
    const leaf = log.leaves(index, 1)[0];
    return { kind, version, leafIndex: index, treeSize: size, leafHash: leaf === undefined ? '' : b64(leaf.leafHash), proof: log.inclusionProof(index, size).map(b64) };
  };

  api.handle(INCLUSION, (c, { query }) => c.json(inclusion(query.kind, query.version, query.size)));

  api.handle(INCLUSION_PATH, (c, { params }) => c.json(inclusion(params.kind, params.version, params.size)));

  const consistency = (from: number, to: number) => {
    checkSize(centre, to);
    if (from > to) throw new ApiError(400, 'BAD_REQUEST', `from ${from} is larger than to ${to}`);
    return { from, to, proof: log.consistencyProof(from, to).map(b64) };
  };

  api.handle(CONSISTENCY, (c, { query }) => c.json(consistency(query.from, query.to)));

  api.handle(CONSISTENCY_PATH, (c, { params }) => c.json(consistency(params.from, params.to)));

  api.handle(LEAVES, (c, { query }) =>
    c.json({
      leaves: log.leaves(query.start, query.limit).map((l) => ({ index: l.index, leafHash: b64(l.leafHash), kind: l.kind, version: l.version, appendedAt: l.appendedAt })),
    }),
  );

  return api.app;
}

function checkSize(centre: Centre, size: number): void {
  const current = centre.log.size();
  if (size > current) throw new ApiError(400, 'BAD_REQUEST', `size ${size} is larger than the log (${current})`);
}
