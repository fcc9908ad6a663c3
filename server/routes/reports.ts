import { createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { bytesEqual, decodeEnvelope, verifyEnvelopeSigners } from '../../shared/crypto/index.ts';
import { CodedError } from '../../shared/errors.ts';
import { ORDER_ID_PATTERN, PROVIDER_NAME_PATTERN } from '../../shared/wire/order.ts';
import { decodeReport, MAX_REPORT_BYTES, REPORT_PAYLOAD_TYPE } from '../../shared/wire/report.ts';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { readBytes } from '../http/body.ts';
import { MSGPACK } from '../http/responses.ts';
import { afterId, epochMs, nextCursor, optionalMatch, pageLimit } from '../http/schemas.ts';
import { ReviewDesk } from '../review/review-desk.ts';
import { REPORT_REFUSAL_CODES, refusalOf, type ReportRefusalCode } from '../reports/report-refusal.ts';
import { ProviderKeyStore } from '../store/provider-keys.ts';
import { ReportStore, type StoredReport } from '../store/reports.ts';
import type { RouteDeps } from './deps.ts';

/**
 * Refusals of a report or a provider key (HTTP 400 with the code, 403 for
 * REPORT_KEY_PENDING). A sidecar treats REPORT_UNKNOWN_KEY as "register my
 * key, then retry" and REPORT_KEY_PENDING as "keep it queued until an
 * operator approves my key"; the others are permanent for that report.
 * ReportRefusalCode lists why a verified report disagrees with its order,
 * its indicators or the clock.
 */
export type ReportCode = 'REPORT_UNKNOWN_KEY' | 'REPORT_KEY_PENDING' | 'REPORT_KEY_REVOKED' | 'PROVIDER_KEY_LIMIT' | ReportRefusalCode;
export class ReportError extends CodedError<ReportCode> {}

/** A report envelope: the payload cap plus room for signatures and framing. */
export const MAX_REPORT_ENVELOPE_BYTES = MAX_REPORT_BYTES + 4096;

/**
 * Providers send reports of matches; operators list the reports (review
 * comes later). A report is verified against the sender's approved keys
 * (routes/provider-keys.ts) before its payload is decoded, and stored with
 * the exact envelope it came in.
 */
const StoredReportView = z
  .object({
    reportId: z.string(),
    provider: z.string(),
    orderId: z.string(),
    indicatorIds: z.array(z.number().int()),
    algorithm: z.string(),
    distance: z.number().int(),
    surface: z.string(),
    subject: z.string().nullable().openapi({ description: '`user:<id>`, `group:<id>` or `channel:<id>`; null once retention purged it' }),
    detectedAt: epochMs,
    preview: z.string().nullable().openapi({ description: 'A blurhash; null once retention purged it' }),
    sidecarVersion: z.string(),
    replicaVersion: z.number().int(),
    stale: z.boolean(),
    receivedAt: epochMs,
    signedBy: z.string().openapi({ description: 'The verifier key that signed it' }),
    purgedAt: epochMs.nullable().openapi({ description: 'When retention purged its envelope, subject and preview (`centre purge`); null while kept' }),
  })
  .openapi('Report');

const Receipt = (duplicate: boolean) => z.object({ reportId: z.string(), duplicate: z.literal(duplicate) });

const FILE = defineRoute({
  method: 'post',
  path: '/',
  summary: 'File a signed report of a match',
  description: 'Verified against the provider\'s approved keys before its payload is decoded; checked against its order, its indicators and the clock.',
  access: ['provider'],
  media: { [MSGPACK]: { description: `A signed report envelope (msgpack), at most ${MAX_REPORT_ENVELOPE_BYTES} bytes` } },
  responses: {
    201: { description: 'Stored and queued for review', content: { 'application/json': { schema: Receipt(false) } } },
    200: { description: 'The same signed report again (a resend)', content: { 'application/json': { schema: Receipt(true) } } },
  },
  errors: {
    400: ['REPORT_UNKNOWN_KEY', 'REPORT_KEY_REVOKED', ...REPORT_REFUSAL_CODES, 'ENVELOPE_MALFORMED', 'ENVELOPE_TOO_LARGE', 'ENVELOPE_WRONG_TYPE', 'ENVELOPE_BAD_SIGNATURE', 'WIRE_MALFORMED', 'WIRE_BAD_FIELD', 'WIRE_MISSING_FIELD', 'WIRE_UNKNOWN_FIELD'],
    403: ['REPORT_KEY_PENDING'],
    409: ['CONFLICT'],
    415: ['BAD_REQUEST'],
  },
});

const LIST = defineRoute({
  method: 'get',
  path: '/',
  summary: 'List received reports, oldest first',
  access: ['operator'],
  query: z.object({
    after: afterId,
    limit: pageLimit(1000, 100),
    provider: optionalMatch('provider', PROVIDER_NAME_PATTERN),
    order: optionalMatch('order', ORDER_ID_PATTERN),
  }),
  responses: { 200: { description: 'A page of reports', content: { 'application/json': { schema: z.object({ reports: z.array(StoredReportView), next: nextCursor }) } } } },
});

export function reportRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock, random } = deps;
  const api = new ApiRouter(deps, 'reports');
  const desk = new ReviewDesk({ centre, random });
  const keys = new ProviderKeyStore(centre.db);
  const reports = new ReportStore(centre.db);

  // The body is a signed envelope, read whole (the body guard caps it) and verified before it is decoded.
  api.handle(FILE, async (c) => {
    if (!/^application\/msgpack\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
      throw new ApiError(415, 'BAD_REQUEST', 'a report is an application/msgpack envelope');
    }
    const account = c.get('principal').account;
    const bytes = await readBytes(c);
    const envelope = decodeEnvelope(bytes, MAX_REPORT_ENVELOPE_BYTES);
    // Only this provider's approved keys verify its reports (docs/SAFEGUARDS.md, "Report keys").
    const trusted = keys.keysOf(account.id, 'approved');
    if (!envelope.signatures.some((s) => trusted.some((k) => k.keyIdHex === s.keyId))) throw untrustedSigner(envelope.signatures, keys, account.id);
    // Verify first; only then decode the payload (docs/PROTOCOL.md 3.3 step 5).
    const { payload, signedBy } = verifyEnvelopeSigners(envelope, REPORT_PAYLOAD_TYPE, trusted);
    const report = decodeReport(payload);
    const now = clock();
    const digest = new Uint8Array(createHash('sha256').update(payload).digest());
    // The same signed content again is a resend after a lost answer; anything else under this id is a conflict.
    const isResend = (existing: ReturnType<ReportStore['find']>): boolean =>
      existing !== undefined && existing.stored.report.provider === account.name && bytesEqual(existing.payloadSha256, digest);
    // A resend was checked when it first came: checked again, it could fail on the clock alone (detectedAt too old by now).
    if (isResend(reports.find(report.reportId))) return c.json({ reportId: report.reportId, duplicate: true }, 200);
    // The report must agree with its order, its indicators and the clock at detectedAt; a refusal is counted, never stored.
    const refusal = refusalOf(report, {
      provider: account.name,
      receivedAt: now,
      clockSkewMs: centre.config.reportClockSkewSeconds * 1000,
      maxAgeMs: centre.config.maxReportAgeDays * 86_400_000,
      orders: centre.orders,
      history: centre.feedHistory,
    });
    if (refusal !== undefined) {
      centre.write(() => centre.reportRefusals.record(account.id, refusal.code, now));
      throw new ReportError(refusal.code, refusal.message);
    }
    const signer = signedBy[0]?.text ?? '';
    // Group commit: reports arriving together share one transaction's fsync, each in its own savepoint.
    const duplicate = await centre.writeTogether(() => {
      const existing = reports.find(report.reportId);
      if (existing !== undefined) {
        if (isResend(existing)) return true;
        throw new ApiError(409, 'CONFLICT', `report ${report.reportId} already exists with other content`);
      }
      reports.insert(report, account.id, bytes, digest, signer, now);
      centre.audit.record(now, account.name, 'report.receive', `report:${report.reportId}`, {
        orderId: report.orderId,
        algorithm: report.algorithm,
        indicators: report.indicatorIds.length,
      });
      // Into the review queue in the same transaction: a stored report is always in exactly one state.
      desk.receive(report, account.id, now);
      return false;
    });
    return c.json({ reportId: report.reportId, duplicate }, duplicate ? 200 : 201);
  });

  api.handle(LIST, (c, { query }) => {
    const { limit } = query;
    const page = reports.page({ afterId: query.after, limit, provider: query.provider, orderId: query.order });
    return c.json({ reports: page.reports.map(view), next: page.reports.length === limit ? page.last : null });
  });

  return api.app;
}

/** Why no approved key of the provider signed: its key awaits an operator, was revoked, or is unknown. */
function untrustedSigner(signatures: readonly { keyId: string }[], keys: ProviderKeyStore, accountId: number): ReportError {
  const signedBy = (status: 'pending' | 'revoked'): boolean => keys.keysOf(accountId, status).some((k) => signatures.some((s) => s.keyId === k.keyIdHex));
  if (signedBy('pending')) {
    return new ReportError('REPORT_KEY_PENDING', 'the report is signed by a key an operator has not approved yet; it is accepted once the key is approved');
  }
  if (signedBy('revoked')) return new ReportError('REPORT_KEY_REVOKED', 'the report is signed by a revoked key');
  return new ReportError('REPORT_UNKNOWN_KEY', 'the report is not signed by a key registered for this provider (POST /v1/provider/keys)');
}

function view(stored: StoredReport) {
  // A purged report keeps its id, times and routing facts; its subject and preview are gone.
  const purged = stored.purgedAt === null ? {} : { subject: null, preview: null };
  return { ...stored.report, ...purged, receivedAt: stored.receivedAt, signedBy: stored.signedBy, purgedAt: stored.purgedAt };
}
