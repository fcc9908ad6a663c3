import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { encodeDeltaChain, encodeRootList } from '../../shared/wire/delta-chain.ts';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { bodyBytes, currentObject, immutableObject, MSGPACK } from '../http/responses.ts';
import { integerOr, integerText, mediaResponse, optionalInteger } from '../http/schemas.ts';
import type { Centre } from '../centre.ts';
import type { LeafKind } from '../log/transparency-log.ts';
import type { RouteDeps } from './deps.ts';

// An authorised auditor reads the whole published history too (docs/AUDIT.md): it replays every version.
const provider = ['provider', 'auditor'] as const;
const VersionPath = z.object({ version: integerText('version', 1) });
const immutable = 'A signed envelope (msgpack); immutable, with an ETag (its log leaf hash). 304 on a matching If-None-Match.';

const TIMESTAMP = defineRoute({
  method: 'get',
  path: '/timestamp',
  summary: 'The signed timestamp: the latest version, freshly dated',
  access: provider,
  responses: { 200: mediaResponse('A signed timestamp envelope', MSGPACK) },
});

const KEYS = defineRoute({
  method: 'get',
  path: '/keys',
  summary: "The Centre's root chain: each signed root document after a version, one page at a time",
  description:
    'Answers `{ roots: [bin] }`: the root document envelopes of versions since+1, since+2, ..., at most 64 versions and 512 KiB per answer (ask again with since = the last version received until none come), each signed by the previous root\'s keys (docs/PROTOCOL.md 4.3).',
  access: provider,
  query: z.object({
    since: integerOr('since', { fallback: 0 }).openapi({ description: 'The root version the caller already trusts; 0 (the default) for the whole chain.' }),
  }),
  responses: { 200: mediaResponse('The root list (msgpack)', MSGPACK) },
});

const ROOT = defineRoute({
  method: 'get',
  path: '/root/:version',
  summary: 'One signed root document, as a static mirror serves it (for a chain too large to read in one list)',
  access: provider,
  params: VersionPath,
  responses: { 200: mediaResponse(immutable, MSGPACK), 304: { description: 'Not modified' } },
  errors: { 404: ['NOT_FOUND'] },
});

const DELTAS = defineRoute({
  method: 'get',
  path: '/deltas',
  summary: 'The chain of signed deltas after a version',
  description: 'At most maxDeltasPerResponse deltas (and bytes); `next` says where to continue, `snapshot` advises a snapshot instead.',
  access: provider,
  query: z.object({ since: integerText('since') }),
  responses: { 200: mediaResponse('A delta chain (msgpack)', MSGPACK) },
  errors: { 403: ['ACCESS_DENIED'] },
});

const DELTA = defineRoute({
  method: 'get',
  path: '/deltas/:version',
  summary: 'One signed delta, as a static mirror serves it',
  access: provider,
  params: VersionPath,
  responses: { 200: mediaResponse(immutable, MSGPACK), 304: { description: 'Not modified' } },
  errors: { 403: ['ACCESS_DENIED'], 404: ['NOT_PUBLISHED'] },
});

const SNAPSHOT = defineRoute({
  method: 'get',
  path: '/snapshot',
  summary: 'A signed snapshot (the latest by default)',
  access: provider,
  query: z.object({ version: optionalInteger('version', 1) }),
  responses: { 200: mediaResponse(immutable, MSGPACK), 304: { description: 'Not modified' } },
  errors: { 403: ['ACCESS_DENIED'], 404: ['NOT_PUBLISHED'], 410: ['SNAPSHOT_GONE'] },
});

const SNAPSHOT_AT = defineRoute({
  method: 'get',
  path: '/snapshots/:version',
  summary: 'One signed snapshot, as a static mirror serves it',
  access: provider,
  params: VersionPath,
  responses: { 200: mediaResponse(immutable, MSGPACK), 304: { description: 'Not modified' } },
  errors: { 403: ['ACCESS_DENIED'], 404: ['NOT_PUBLISHED'], 410: ['SNAPSHOT_GONE'] },
});

/**
 * The distribution API for providers. Query forms serve the live Centre;
 * the path forms (/deltas/N, /snapshots/N) are the immutable files that a
 * static mirror of `centre export` serves at the same paths.
 */
export function feedRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'feed');
  const { publisher, config } = centre;
  // Plaintext objects, published before sealing, stay in the log; only a provider entitled now may read them (PROTOCOL 13.6).
  const plaintextAllowed = (c: Context<AppEnv>, version: number): void => {
    if (c.get('principal').account.role === 'auditor') return;
    const found = centre.entitlement.of(c.get('principal').account, clock());
    if (!found.entitled) throw new ApiError(403, 'ACCESS_DENIED', `version ${version} was published before sealing; it is served only to providers entitled now (${found.reason})`);
  };

  api.handle(TIMESTAMP, (c) => currentObject(c, publisher.timestamp(clock()), MSGPACK));

  // The root chain after `since` (from version 1 without), one page at a time: docs/PROTOCOL.md 4.3.
  api.handle(KEYS, (c, { query }) => currentObject(c, encodeRootList(centre.keyring.roots.page(query.since)), MSGPACK));

  // One root version, as a static mirror serves it (the path form of the chain, for a list too large to read at once).
  api.handle(ROOT, (c, { params }) => {
    const [envelope] = centre.keyring.roots.page(params.version - 1);
    if (envelope === undefined) throw new ApiError(404, 'NOT_FOUND', `root version ${params.version} does not exist`);
    return immutableObject(c, envelope, `root-${params.version}`, 'private');
  });

  api.handle(DELTAS, (c, { query }) => {
    const { since } = query;
    const latest = publisher.latestVersion();
    if (since > latest) throw new ApiError(400, 'BAD_REQUEST', `since ${since} is ahead of the latest version ${latest}`);
    const advise = publisher.snapshotAdvised(since);
    const chain = advise ? [] : publisher.deltaChain(since, config.maxDeltasPerResponse, config.maxDeltaBytesPerResponse);
    const plaintext = chain.find((d) => d.epoch === null);
    if (plaintext !== undefined) plaintextAllowed(c, plaintext.version);
    const last = chain[chain.length - 1]?.version ?? since;
    const body = encodeDeltaChain({
      envelopes: chain.map((d) => d.envelope),
      latest,
      next: !advise && last < latest ? last : null,
      snapshot: advise ? latest : null,
      minimumWaitSeconds: config.minimumWaitSeconds,
    });
    return c.body(bodyBytes(body), 200, { 'content-type': MSGPACK, 'cache-control': 'no-cache' });
  });

  api.handle(DELTA, (c, { params }) => {
    const { version } = params;
    const envelope = publisher.deltaEnvelope(version);
    if (envelope === undefined) throw new ApiError(404, 'NOT_PUBLISHED', `version ${version} has not been published`);
    if (publisher.version(version)?.epoch === null) plaintextAllowed(c, version);
    return immutableObject(c, envelope, leafTag(centre, 'delta', version), 'private');
  });

  const snapshot = (version: number, c: Context<AppEnv>): Response => {
    const { envelope, epoch } = publisher.snapshot(version);
    if (epoch === null) plaintextAllowed(c, version);
    return immutableObject(c, envelope, leafTag(centre, 'snapshot', version), 'private');
  };

  api.handle(SNAPSHOT, (c, { query }) => {
    const version = query.version ?? publisher.latestVersion();
    if (version === 0) throw new ApiError(404, 'NOT_PUBLISHED', 'nothing has been published yet');
    return snapshot(version, c);
  });

  api.handle(SNAPSHOT_AT, (c, { params }) => snapshot(params.version, c));

  return api.app;
}

function leafTag(centre: Centre, kind: LeafKind, version: number): string {
  const index = centre.log.leafIndex(kind, version);
  const leaf = index === undefined ? undefined : centre.log.leaves(index, 1)[0];
  return leaf === undefined ? `${kind}-${version}` : Buffer.from(leaf.leafHash).toString('hex');
}
