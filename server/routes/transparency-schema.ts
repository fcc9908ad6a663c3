import { z } from '@hono/zod-openapi';
import { UNFOUNDED_REASONS } from '../review/report-lifecycle.ts';

/**
 * The answer of GET /v1/transparency, for the OpenAPI document: the route
 * renders it as text (cached, the months spliced in), so this schema
 * describes it and validates nothing. Every figure is a count: never a
 * hash, an identifier, a subject, a target or a provider.
 */

const count = z.number().int();
const isoTime = z.string().openapi({ description: 'An ISO 8601 UTC time' });
const byMemberState = (description: string) =>
  z.record(z.string(), count).openapi({ description: `${description}, by Member State (ISO 3166-1 alpha-2, or \`unspecified\`)` });

const Root = z
  .object({
    version: count,
    rootKeys: z.array(z.string()).openapi({ description: 'The root verifier keys of the current root document' }),
    rootThreshold: count,
    keys: z.array(z.object({ verifierKey: z.string(), purpose: z.string(), notBefore: isoTime, notAfter: isoTime })),
    revoked: z.array(z.object({ verifierKey: z.string(), revokedAt: isoTime, reason: z.string() })),
  })
  .openapi({ description: 'The current signed root document (its chain: GET /v1/feed/keys)' });

const Counts = z.object({ adds: count, removes: count, active: count });

const Version = z.object({
  version: count,
  createdAt: isoTime,
  adds: count,
  removes: count,
  active: count,
  stateDigest: z.string().nullable().openapi({ description: 'Hex; null for a sealed version, whose digest is inside its ciphertext (docs/PROTOCOL.md 13)' }),
  stateDigestVersion: count,
  logIndex: count,
  counts: z.record(z.string(), z.record(z.string(), Counts)).openapi({ description: 'By dimension (category, authority, algorithm), then by key' }),
});

const Month = z.object({
  month: z.string().openapi({ description: 'A UTC month, YYYY-MM' }),
  reports: z.object({
    received: count,
    unfounded: z.object({ total: count, byReason: z.object(Object.fromEntries(UNFOUNDED_REASONS.map((reason) => [reason, count]))) }),
    forwarded: z.object({ total: count, memberStates: byMemberState('Forwarded reports'), europol: count }),
    decisionTime: z
      .object({ decided: count, p50Ms: count.nullable(), p90Ms: count.nullable() })
      .openapi({ description: 'Receipt to decision of the reports decided this month, nearest-rank percentiles; null when none was decided' }),
  }),
  indicators: z
    .record(z.string(), z.object({ submitted: count, approved: count, revoked: count, suspended: count }))
    .openapi({ description: "By the submitting authority's Member State" }),
  activeOrders: byMemberState('Orders in force at some time in the month'),
  listSize: count.openapi({ description: 'Indicators on the published list at the end of the month (or now)' }),
  access: z
    .object({ grants: count, wraps: count, fetches: count, refusedFetches: count, providersGivenKeys: count })
    .openapi({ description: 'The access log of the sealed feed: providers entitled, keys wrapped, access lists served (refused: without a key), distinct providers given keys' }),
});

export const TransparencyStatistics = z
  .object({
    feed: z.string(),
    origin: z.string().openapi({ description: 'The transparency log origin' }),
    rootVerifierKey: z.string().nullable().openapi({ description: 'The first root key (what `centre init` printed); `root` is the current set' }),
    root: Root,
    minConfirmations: count,
    categories: z.array(z.string()),
    log: z.object({ size: count, rootHash: z.string().openapi({ description: 'Base64' }) }).nullable(),
    witnesses: z
      .array(
        z.object({
          url: z.string().openapi({ description: 'The witness submission prefix (c2sp.org/tlog-witness)' }),
          verifierKey: z.string().openapi({ description: 'Its cosignature/v1 verifier key (type 0x04)' }),
          cosignedSize: count.nullable().openapi({ description: 'The largest checkpoint size it cosigned; null before the first' }),
          cosignedAt: isoTime.nullable().openapi({ description: "That cosignature's timestamp; null before the first" }),
        }),
      )
      .openapi({ description: "The witnesses the Centre asks to cosign its checkpoints (centre.json `witnesses`)" }),
    versions: z.array(Version),
    months: z.array(Month).openapi({ description: 'Every UTC month from the first record to now, oldest first' }),
  })
  .openapi('TransparencyStatistics');
