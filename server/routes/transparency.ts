import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { looseObject } from '../http/schemas.ts';
import type { RouteDeps } from './deps.ts';

const STATISTICS = defineRoute({
  method: 'get',
  path: '/',
  summary: 'Public statistics per published version (never a hash)',
  access: 'public',
  responses: {
    200: {
      description: 'The statistics (docs/API.md, "Transparency")',
      content: { 'application/json': { schema: looseObject('feed, origin, rootVerifierKey, minConfirmations, categories, log, versions[] with counts by dimension') } },
    },
  },
});

type CountRow = { version: number; dimension: string; key: string; adds: number; removes: number; active: number };

/**
 * Public statistics for auditors and the public: per version, what was
 * added and removed and what is active, by category, authority and
 * algorithm, with dates, digests and log positions. Never a hash.
 */
export function transparencyRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre } = deps;
  const api = new ApiRouter(deps, 'transparency');
  const counts = centre.db.prepare<[], CountRow>('SELECT * FROM version_counts ORDER BY version, dimension, key');

  /** The statistics as a function of the published state: one version more, or one more log leaf, renders them anew. */
  const render = (): string => {
    const byVersion = new Map<number, Record<string, Record<string, { adds: number; removes: number; active: number }>>>();
    for (const row of counts.iterate()) {
      const dimensions = byVersion.get(row.version) ?? {};
      (dimensions[row.dimension] ??= {})[row.key] = { adds: row.adds, removes: row.removes, active: row.active };
      byVersion.set(row.version, dimensions);
    }
    const checkpoint = centre.log.latestCheckpoint();
    return JSON.stringify({
      feed: centre.config.feed,
      origin: centre.log.origin,
      rootVerifierKey: centre.keyring.rootVerifier.text,
      minConfirmations: centre.config.minConfirmations,
      categories: centre.config.categories,
      log: checkpoint === undefined ? null : { size: checkpoint.size, rootHash: Buffer.from(checkpoint.rootHash).toString('base64') },
      versions: centre.publisher.versions().map((v) => ({
        version: v.version,
        createdAt: new Date(v.createdAt).toISOString(),
        adds: v.adds,
        removes: v.removes,
        active: v.active,
        stateDigest: Buffer.from(v.stateDigest).toString('hex'),
        stateDigestVersion: v.stateDigestVersion,
        logIndex: v.logIndex,
        counts: byVersion.get(v.version) ?? {},
      })),
    });
  };
  // Rendering grows with every version (some 25 µs and 450 bytes each) and anyone may ask, 20 times a second
  // per address: a year of hourly versions would cost 0.2 s of event loop per read. Kept until the state changes.
  let rendered: { state: string; body: string } | undefined;

  api.handle(STATISTICS, (c) => {
    const state = `${centre.publisher.latestVersion()}/${centre.log.latestCheckpoint()?.size ?? 0}`;
    if (rendered?.state !== state) rendered = { state, body: render() };
    return c.body(rendered.body, 200, { 'content-type': 'application/json' });
  });

  return api.app;
}
