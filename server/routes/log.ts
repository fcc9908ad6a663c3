import { KEY_PURPOSES } from '../../shared/trust/index.ts';
import { Hono } from 'hono';
import { ApiError } from '../http/api-error.ts';
import { intParam } from '../http/body.ts';
import type { Centre } from '../centre.ts';
import type { LeafKind } from '../log/transparency-log.ts';
import type { AppEnv } from '../http/auth.ts';
import type { RouteDeps } from './deps.ts';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/**
 * The public transparency log: checkpoints and proofs for anyone (auditors,
 * witnesses, providers). Only leaf hashes are public; the envelopes they
 * commit to, which carry hashes, go to providers alone.
 */
export function logRoutes({ centre, clock, open }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { log } = centre;

  app.get('/checkpoint', open, (c) => {
    // The checkpoint follows the latest leaf: record one now if the log grew since the last (else nothing is written).
    const sign = (): ReturnType<typeof log.checkpoint> => log.checkpoint(centre.keyring.signerFor(KEY_PURPOSES.checkpoint, clock()), clock());
    const checkpoint = log.latestCheckpoint()?.size === log.size() ? sign() : centre.write(sign);
    return c.body(checkpoint.note, 200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
  });

  const inclusion = (kind: LeafKind, version: number, size: number) => {
    const index = log.leafIndex(kind, version);
    if (index === undefined) throw new ApiError(404, 'NOT_FOUND', `no ${kind} of version ${version} is in the log`);
    checkSize(centre, size);
    if (index >= size) throw new ApiError(400, 'BAD_REQUEST', `the ${kind} of version ${version} is leaf ${index}, not inside a tree of size ${size}`);
    const leaf = log.leaves(index, 1)[0];
    return { kind, version, leafIndex: index, treeSize: size, leafHash: leaf === undefined ? '' : b64(leaf.leafHash), proof: log.inclusionProof(index, size).map(b64) };
  };

  app.get('/proof/inclusion', open, (c) => {
    const kind = leafKind(c.req.query('kind'));
    return c.json(inclusion(kind, intParam(c.req.query('version'), 'version', { min: 1 }), intParam(c.req.query('size'), 'size', { min: 1 })));
  });

  app.get('/proof/inclusion/:kind/:version/:size', open, (c) =>
    c.json(inclusion(leafKind(c.req.param('kind')), intParam(c.req.param('version'), 'version', { min: 1 }), intParam(c.req.param('size'), 'size', { min: 1 }))),
  );

  const consistency = (from: number, to: number) => {
    checkSize(centre, to);
    if (from > to) throw new ApiError(400, 'BAD_REQUEST', `from ${from} is larger than to ${to}`);
    return { from, to, proof: log.consistencyProof(from, to).map(b64) };
  };

  app.get('/proof/consistency', open, (c) =>
    c.json(consistency(intParam(c.req.query('from'), 'from', { min: 1 }), intParam(c.req.query('to'), 'to', { min: 1 }))),
  );

  app.get('/proof/consistency/:from/:to', open, (c) =>
    c.json(consistency(intParam(c.req.param('from'), 'from', { min: 1 }), intParam(c.req.param('to'), 'to', { min: 1 }))),
  );

  app.get('/leaves', open, (c) => {
    const start = intParam(c.req.query('start'), 'start', { fallback: 0 });
    const limit = Math.min(1000, intParam(c.req.query('limit'), 'limit', { min: 1, fallback: 100 }));
    return c.json({
      leaves: log.leaves(start, limit).map((l) => ({ index: l.index, leafHash: b64(l.leafHash), kind: l.kind, version: l.version, appendedAt: l.appendedAt })),
    });
  });

  return app;
}

function leafKind(raw: string | undefined): LeafKind {
  if (raw === undefined || raw === 'delta') return 'delta';
  if (raw === 'snapshot') return 'snapshot';
  throw new ApiError(400, 'BAD_REQUEST', "kind must be 'delta' or 'snapshot'");
}

function checkSize(centre: Centre, size: number): void {
  const current = centre.log.size();
  if (size > current) throw new ApiError(400, 'BAD_REQUEST', `size ${size} is larger than the log (${current})`);
}
