import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { PublicStatistics } from '../statistics/index.ts';
import { TransparencyStatistics } from './transparency-schema.ts';
import type { RouteDeps } from './deps.ts';
import type { WitnessStatus } from '../log/witness-cosignatures.ts';

/** The monthly figures are counted again at most this often (docs/API.md, "GET /v1/transparency"). */
export const MONTHS_REFRESH_MS = 60_000;

const STATISTICS = defineRoute({
  method: 'get',
  path: '/',
  summary: 'Public statistics per published version and per month (never a hash)',
  description: `The monthly figures are counted again at most every ${MONTHS_REFRESH_MS / 1000} s.`,
  access: 'public',
  responses: {
    200: { description: 'The statistics (docs/API.md, "GET /v1/transparency")', content: { 'application/json': { schema: TransparencyStatistics } } },
  },
});

type CountRow = { version: number; dimension: string; key: string; adds: number; removes: number; active: number };

/**
 * Public statistics for auditors and the public: per version, what was
 * added and removed and what is active, by category, authority and
 * algorithm, with dates, digests and log positions; and per UTC month,
 * reports, decisions, routing, indicators and orders, counted by Member
 * State (server/statistics/). Never a hash, an identifier, a subject, a
 * target or a provider.
 */
export function transparencyRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'transparency');
  const counts = centre.db.prepare<[], CountRow>('SELECT * FROM version_counts ORDER BY version, dimension, key');

  /** The published part as a function of the published state: one version more, or one more log leaf, renders it anew. */
  const renderPublished = (witnessStatus: readonly WitnessStatus[]): string => {
    const byVersion = new Map<number, Record<string, Record<string, { adds: number; removes: number; active: number }>>>();
    for (const row of counts.iterate()) {
      const dimensions = byVersion.get(row.version) ?? {};
      (dimensions[row.dimension] ??= {})[row.key] = { adds: row.adds, removes: row.removes, active: row.active };
      byVersion.set(row.version, dimensions);
    }
    const checkpoint = centre.log.latestCheckpoint();
    const root = centre.keyring.root.document;
    return JSON.stringify({
      feed: centre.config.feed,
      origin: centre.log.origin,
      // The first root key (what `centre init` printed), kept for clients that read it; `root` is the current set.
      rootVerifierKey: root.rootKeys[0]?.text ?? null,
      root: {
        version: root.version,
        rootKeys: root.rootKeys.map((k) => k.text),
        rootThreshold: root.rootThreshold,
        keys: root.keys.map((k) => ({ verifierKey: k.verifierKey.text, purpose: k.purpose, notBefore: new Date(k.notBefore).toISOString(), notAfter: new Date(k.notAfter).toISOString() })),
        revoked: root.revoked.map((r) => ({ verifierKey: r.verifierKey.text, revokedAt: new Date(r.revokedAt).toISOString(), reason: r.reason })),
      },
      minConfirmations: centre.config.minConfirmations,
      categories: centre.config.categories,
      log: checkpoint === undefined ? null : { size: checkpoint.size, rootHash: Buffer.from(checkpoint.rootHash).toString('base64') },
      witnesses: witnessStatus.map((w) => ({ ...w, cosignedAt: w.cosignedAt === null ? null : new Date(w.cosignedAt).toISOString() })),
      versions: centre.publisher.versions().map((v) => ({
        version: v.version,
        createdAt: new Date(v.createdAt).toISOString(),
        adds: v.adds,
        removes: v.removes,
        active: v.active,
        // A sealed version's digest is inside its ciphertext (PROTOCOL 13): the digest of a set is an offline test of a candidate hash.
        stateDigest: v.epoch === null ? Buffer.from(v.stateDigest).toString('hex') : null,
        stateDigestVersion: v.stateDigestVersion,
        logIndex: v.logIndex,
        counts: byVersion.get(v.version) ?? {},
      })),
    });
  };
  // Rendering grows with every version (some 25 µs and 450 bytes each) and anyone may ask, 20 times a second
  // per address: a year of hourly versions would cost 0.2 s of event loop per read. Kept until the state changes.
  let published: { state: string; json: string } | undefined;
  // The months change with any audited write (a report, a decision, an order...) or a new month, and the month
  // under way costs what it holds (about 1.5 µs of SQLite per report on our 2-core machine): with reports
  // arriving every second, counting it again on every read would hold the event loop. So at most once a minute.
  const statistics = new PublicStatistics(centre.db);
  let months: { state: string; at: number; json: string } | undefined;
  let body: { published: string; months: string; text: string } | undefined;

  api.handle(STATISTICS, (c) => {
    const now = clock();
    // A witness cosigning changes the published part too: its status (one indexed read per witness) is part of the state.
    const witnessStatus = centre.cosignatures.status();
    const publishedState = `${centre.publisher.latestVersion()}/${centre.log.latestCheckpoint()?.size ?? 0}/${centre.keyring.roots.latestVersion()}/${JSON.stringify(witnessStatus)}`;
    if (published?.state !== publishedState) published = { state: publishedState, json: renderPublished(witnessStatus) };
    const monthsState = statistics.state(now);
    if (months === undefined || (months.state !== monthsState && now - months.at >= MONTHS_REFRESH_MS) || now < months.at) {
      months = { state: monthsState, at: now, json: `[${statistics.monthsJson(now).join(',')}]` };
    }
    // The months are kept as the JSON text they are served as (never parsed back): spliced in as the last field.
    if (body?.published !== published.json || body.months !== months.json) {
      body = { published: published.json, months: months.json, text: `${published.json.slice(0, -1)},"months":${months.json}}` };
    }
    return c.body(body.text, 200, { 'content-type': 'application/json' });
  });

  return api.app;
}
