import { Hono, type Context } from 'hono';
import { encodeDeltaChain, encodeRootList } from '../../shared/wire/delta-chain.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/auth.ts';
import { intParam } from '../http/body.ts';
import { bodyBytes, currentObject, immutableObject, MSGPACK } from '../http/responses.ts';
import type { Centre } from '../centre.ts';
import type { LeafKind } from '../log/transparency-log.ts';
import type { RouteDeps } from './deps.ts';

/**
 * The distribution API for providers. Query forms serve the live Centre;
 * the path forms (/deltas/N, /snapshots/N) are the immutable files that a
 * static mirror of `centre export` serves at the same paths.
 */
export function feedRoutes({ centre, clock, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const provider = guard('provider');
  const { publisher, config } = centre;

  app.get('/timestamp', provider, (c) => currentObject(c, publisher.timestamp(clock()), MSGPACK));

  // The root chain after `since` (from version 1 without), one page at a time: docs/PROTOCOL.md 4.3.
  app.get('/keys', provider, (c) => {
    const since = c.req.query('since') === undefined ? 0 : intParam(c.req.query('since'), 'since');
    return currentObject(c, encodeRootList(centre.keyring.roots.page(since)), MSGPACK);
  });

  // One root version, as a static mirror serves it (the path form of the chain, for a list too large to read at once).
  app.get('/root/:version', provider, (c) => {
    const version = intParam(c.req.param('version'), 'version', { min: 1 });
    const [envelope] = centre.keyring.roots.page(version - 1);
    if (envelope === undefined) throw new ApiError(404, 'NOT_FOUND', `root version ${version} does not exist`);
    return immutableObject(c, envelope, `root-${version}`, 'private');
  });

  app.get('/deltas', provider, (c) => {
    const since = intParam(c.req.query('since'), 'since');
    const latest = publisher.latestVersion();
    if (since > latest) throw new ApiError(400, 'BAD_REQUEST', `since ${since} is ahead of the latest version ${latest}`);
    const advise = publisher.snapshotAdvised(since);
    const chain = advise ? [] : publisher.deltaChain(since, config.maxDeltasPerResponse, config.maxDeltaBytesPerResponse);
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

  app.get('/deltas/:version', provider, (c) => {
    const version = intParam(c.req.param('version'), 'version', { min: 1 });
    const envelope = publisher.deltaEnvelope(version);
    if (envelope === undefined) throw new ApiError(404, 'NOT_PUBLISHED', `version ${version} has not been published`);
    return immutableObject(c, envelope, leafTag(centre, 'delta', version), 'private');
  });

  const snapshot = (version: number, c: Context<AppEnv>): Response => {
    const { envelope } = publisher.snapshot(version);
    return immutableObject(c, envelope, leafTag(centre, 'snapshot', version), 'private');
  };

  app.get('/snapshot', provider, (c) => {
    const latest = publisher.latestVersion();
    const version = intParam(c.req.query('version'), 'version', { min: 1, fallback: latest });
    if (version === 0) throw new ApiError(404, 'NOT_PUBLISHED', 'nothing has been published yet');
    return snapshot(version, c);
  });

  app.get('/snapshots/:version', provider, (c) => snapshot(intParam(c.req.param('version'), 'version', { min: 1 }), c));

  return app;
}

function leafTag(centre: Centre, kind: LeafKind, version: number): string {
  const index = centre.log.leafIndex(kind, version);
  const leaf = index === undefined ? undefined : centre.log.leaves(index, 1)[0];
  return leaf === undefined ? `${kind}-${version}` : Buffer.from(leaf.leafHash).toString('hex');
}
