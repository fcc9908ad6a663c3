import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { bytesEqual, decodeEnvelope, parseVerifierKey, verifyEnvelopeSigners } from '../../shared/crypto/index.ts';
import { CodedError } from '../../shared/errors.ts';
import { ORDER_ID_PATTERN, PROVIDER_NAME_PATTERN } from '../../shared/wire/order.ts';
import { decodeReport, MAX_REPORT_BYTES, REPORT_PAYLOAD_TYPE } from '../../shared/wire/report.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/auth.ts';
import { intParam, objectBody, readBytes, readJson } from '../http/body.ts';
import { OrderStore } from '../store/orders.ts';
import { ProviderKeyStore } from '../store/provider-keys.ts';
import { ReportStore, type StoredReport } from '../store/reports.ts';
import type { RouteDeps } from './deps.ts';

/**
 * Refusals of a report or a provider key (HTTP 400 with the code). A sidecar
 * treats REPORT_UNKNOWN_KEY as "register my key, then retry"; the others
 * are permanent for that report.
 */
export type ReportCode = 'REPORT_UNKNOWN_KEY' | 'REPORT_WRONG_PROVIDER' | 'REPORT_UNKNOWN_ORDER' | 'PROVIDER_KEY_LIMIT';
export class ReportError extends CodedError<ReportCode> {}

/** A report envelope: the payload cap plus room for signatures and framing. */
export const MAX_REPORT_ENVELOPE_BYTES = MAX_REPORT_BYTES + 4096;
/** Keys per provider: one per sidecar plus rotations; bounds the work of verifying a report. */
export const MAX_PROVIDER_KEYS = 64;

/**
 * Providers register their sidecars' signing keys and send reports of
 * matches; operators list the reports (review comes later). A report is
 * verified against the sender's registered keys before its payload is
 * decoded, and stored with the exact envelope it came in.
 */
export function reportRoutes({ centre, clock, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const provider = guard('provider');
  const keys = new ProviderKeyStore(centre.db);
  const reports = new ReportStore(centre.db);
  const orders = new OrderStore(centre.db);

  app.post('/v1/provider/keys', provider, async (c) => {
    const { verifierKey } = objectBody(await readJson(c), ['verifierKey']);
    const key = parseVerifierKey(verifierKey);
    const account = c.get('principal').account;
    const now = clock();
    const result = centre.write(() => {
      const registered = keys.register(account.id, key, now);
      if (registered.created) {
        if (keys.list(account.id).length > MAX_PROVIDER_KEYS) throw new ReportError('PROVIDER_KEY_LIMIT', `a provider may register at most ${MAX_PROVIDER_KEYS} keys`);
        centre.audit.record(now, account.name, 'provider-key.register', account.name, { verifierKey: key.text, keyId: key.keyIdHex });
      }
      return registered;
    });
    return c.json({ ...result.info, created: result.created }, result.created ? 201 : 200);
  });

  app.post('/v1/reports', provider, async (c) => {
    if (!/^application\/msgpack\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
      throw new ApiError(415, 'BAD_REQUEST', 'a report is an application/msgpack envelope');
    }
    const account = c.get('principal').account;
    const bytes = await readBytes(c);
    const envelope = decodeEnvelope(bytes, MAX_REPORT_ENVELOPE_BYTES);
    const trusted = keys.keysOf(account.id);
    if (!envelope.signatures.some((s) => trusted.some((k) => k.keyIdHex === s.keyId))) {
      throw new ReportError('REPORT_UNKNOWN_KEY', 'the report is not signed by a key registered for this provider (POST /v1/provider/keys)');
    }
    // Verify first; only then decode the payload (docs/PROTOCOL.md 3.3 step 5).
    const { payload, signedBy } = verifyEnvelopeSigners(envelope, REPORT_PAYLOAD_TYPE, trusted);
    const report = decodeReport(payload);
    if (report.provider !== account.name) throw new ReportError('REPORT_WRONG_PROVIDER', 'report.provider is not the calling provider');
    const order = orders.get(report.orderId);
    if (order === undefined || order.order.provider !== account.name) {
      throw new ReportError('REPORT_UNKNOWN_ORDER', 'report.orderId names no order of this provider');
    }
    const digest = new Uint8Array(createHash('sha256').update(payload).digest());
    const signer = signedBy[0]?.text ?? '';
    const now = clock();
    const duplicate = centre.write(() => {
      const existing = reports.find(report.reportId);
      if (existing !== undefined) {
        // The same signed content again is a resend after a lost answer; anything else under this id is a conflict.
        if (existing.stored.report.provider === account.name && bytesEqual(existing.payloadSha256, digest)) return true;
        throw new ApiError(409, 'CONFLICT', `report ${report.reportId} already exists with other content`);
      }
      reports.insert(report, account.id, bytes, digest, signer, now);
      centre.audit.record(now, account.name, 'report.receive', `report:${report.reportId}`, {
        orderId: report.orderId,
        algorithm: report.algorithm,
        indicators: report.indicatorIds.length,
      });
      return false;
    });
    return c.json({ reportId: report.reportId, duplicate }, duplicate ? 200 : 201);
  });

  app.get('/v1/reports', guard('operator'), (c) => {
    const after = intParam(c.req.query('after'), 'after', { fallback: 0 });
    const limit = Math.min(1000, intParam(c.req.query('limit'), 'limit', { min: 1, fallback: 100 }));
    const providerName = optionalParam(c.req.query('provider'), 'provider', PROVIDER_NAME_PATTERN);
    const orderId = optionalParam(c.req.query('order'), 'order', ORDER_ID_PATTERN);
    const page = reports.page({ afterId: after, limit, provider: providerName, orderId });
    return c.json({ reports: page.reports.map(view), next: page.reports.length === limit ? page.last : null });
  });

  return app;
}

function optionalParam(raw: string | undefined, name: string, pattern: RegExp): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!pattern.test(raw)) throw new ApiError(400, 'BAD_REQUEST', `parameter '${name}' must match ${pattern}`);
  return raw;
}

function view(stored: StoredReport) {
  return { ...stored.report, receivedAt: stored.receivedAt, signedBy: stored.signedBy };
}
