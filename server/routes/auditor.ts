import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { checkEncryptionPublicKey, encryptionKeyId, SealError, wrapEpochKey } from '../../shared/seal/index.ts';
import { detectionOrderFields } from '../../shared/wire/order.ts';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { afterId, epochMs, nextCursor, pageLimit } from '../http/schemas.ts';
import type { OrderCommitmentRecord } from '../log/order-commitments.ts';
import { ReportStore } from '../store/reports.ts';
import type { RouteDeps } from './deps.ts';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

const Commitment = z
  .object({
    salt: z.string().openapi({ description: 'Base64 of the 32-byte salt the Centre keeps (never public)' }),
    commitment: z.string().openapi({ description: 'Base64 of SHA-256 over the domain, the salt and the canonical terms (docs/PROTOCOL.md 10.4)' }),
    leafIndex: z.number().int().openapi({ description: 'The commitment leaf in the public log' }),
    committedAt: epochMs.openapi({ description: "When the log recorded it (the leaf's appendedAt and the leaf bytes' committedAt)" }),
  })
  .openapi('OrderCommitment');

const AuditedOrder = z
  .object({
    number: z.number().int().openapi({ description: "The order's number: its commitment leaves' version in the log" }),
    orderId: z.string(),
    issuingAuthority: z.string(),
    legalReference: z.string(),
    provider: z.string(),
    surfaces: z.array(z.string()),
    targets: z.object({ users: z.array(z.string()), groups: z.array(z.string()), channels: z.array(z.string()) }),
    notBefore: epochMs,
    notAfter: epochMs,
    memberState: z.string().nullable(),
    createdAt: epochMs,
    createdBy: z.string(),
    endedAt: epochMs.nullable(),
    endedBy: z.string().nullable(),
    registration: Commitment.nullable().openapi({ description: 'The registration commitment; null if the Centre holds none (a violation)' }),
    end: Commitment.extend({ reason: z.string().nullable() })
      .nullable()
      .openapi({ description: 'The early end commitment and the reason it commits to; null while the order was not ended early' }),
  })
  .openapi('AuditedOrder');

const AuditedReport = z
  .object({
    reportId: z.string(),
    provider: z.string(),
    orderId: z.string(),
    detectedAt: epochMs,
    receivedAt: epochMs,
    envelope: z.string().nullable().openapi({ description: 'Base64 of the exact envelope the provider signed; null once retention purged it' }),
    signedBy: z.string().openapi({ description: 'The provider verifier key whose signature the Centre checked' }),
    purgedAt: epochMs.nullable(),
  })
  .openapi('AuditedReport');

const ORDERS = defineRoute({
  method: 'get',
  path: '/orders',
  summary: 'Every detection order with its terms, salts and commitment leaves (auditor)',
  access: ['auditor'],
  query: z.object({ after: afterId, limit: pageLimit(100, 20) }),
  responses: {
    200: { description: 'A page of orders, oldest first', content: { 'application/json': { schema: z.object({ orders: z.array(AuditedOrder), next: nextCursor }) } } },
  },
});

const REPORTS = defineRoute({
  method: 'get',
  path: '/reports',
  summary: 'Every stored report with its signed envelope (auditor)',
  access: ['auditor'],
  query: z.object({ after: afterId, limit: pageLimit(500, 100) }),
  responses: {
    200: { description: 'A page of reports, oldest first', content: { 'application/json': { schema: z.object({ reports: z.array(AuditedReport), next: nextCursor }) } } },
  },
});

const EPOCH_KEYS = defineRoute({
  method: 'post',
  path: '/epoch-keys',
  summary: "Every epoch's key, wrapped for the auditor's ephemeral X25519 key (auditor)",
  description:
    'The feed is sealed (docs/PROTOCOL.md 13): to recompute state digests an auditor decrypts every version. Each epoch key is wrapped with HPKE as in 13.3, with `provider` the auditor\'s account name and `recipient` the ID of the key sent. Writes nothing but an audit record.',
  access: ['auditor'],
  body: z.strictObject({ publicKey: z.string().max(64).openapi({ description: "Base64 of the auditor's ephemeral X25519 public key (32 bytes)" }) }),
  responses: {
    200: {
      description: 'Every epoch, oldest first',
      content: {
        'application/json': {
          schema: z.object({
            feed: z.string(),
            provider: z.string().openapi({ description: "The auditor's account name: the wrap context's provider (PROTOCOL 13.3)" }),
            recipient: z.string().openapi({ description: 'The encryption key ID of the key sent (PROTOCOL 13.3)' }),
            epochs: z.array(
              z.object({
                epoch: z.number().int(),
                version: z.number().int().openapi({ description: 'The first version sealed under it' }),
                startedAt: epochMs,
                keyCommitment: z.string().openapi({ description: 'Base64 of the commitment every sealed object of the epoch carries (13.2)' }),
                enc: z.string().nullable().openapi({ description: "Base64 of HPKE's encapsulated key; null when the Centre can no longer read the epoch's key" }),
                wrapped: z.string().nullable(),
              }),
            ),
          }),
        },
      },
    },
  },
  errors: { 400: ['BAD_REQUEST'] },
});

const commitmentView = (record: OrderCommitmentRecord) => ({
  salt: b64(record.salt),
  commitment: b64(record.commitment),
  leafIndex: record.logIndex,
  committedAt: record.committedAt,
});

/**
 * What an authorised auditor reads (mounted at /v1/audit beside the admin's
 * trail): every order with the salts that open its commitments, and every
 * report as signed. Read-only; each request is itself recorded in the audit
 * trail, as the regulation asks of every access to this data.
 */
export function auditorRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'audit');
  const reports = new ReportStore(centre.db);

  const recordRead = (actor: string, what: string, detail: Record<string, unknown>): void => {
    const now = clock();
    centre.write(() => centre.audit.record(now, actor, 'audit.read', what, detail));
  };

  api.handle(ORDERS, (c, { query }) => {
    const page = centre.orders.page(query.after, query.limit);
    const orders = page.orders.map((stored) => {
      const held = centre.orderCommitments.of(stored.number);
      return {
        number: stored.number,
        ...detectionOrderFields(stored.order),
        memberState: stored.memberState,
        createdAt: stored.createdAt,
        createdBy: stored.createdBy,
        endedAt: stored.endedAt,
        endedBy: stored.endedBy,
        registration: held.register === undefined ? null : commitmentView(held.register),
        end: held.end === undefined ? null : { ...commitmentView(held.end), reason: held.end.endReason },
      };
    });
    recordRead(c.get('principal').account.name, 'orders', { after: query.after, limit: query.limit, count: orders.length });
    return c.json({ orders, next: orders.length === query.limit ? (page.last ?? null) : null });
  });

  api.handle(REPORTS, (c, { query }) => {
    const page = reports.page({ afterId: query.after, limit: query.limit });
    const items = page.reports.map((stored) => {
      const envelope = reports.envelope(stored.report.reportId);
      return {
        reportId: stored.report.reportId,
        provider: stored.report.provider,
        orderId: stored.report.orderId,
        detectedAt: stored.report.detectedAt,
        receivedAt: stored.receivedAt,
        envelope: envelope === undefined ? null : b64(envelope),
        signedBy: stored.signedBy,
        purgedAt: stored.purgedAt,
      };
    });
    recordRead(c.get('principal').account.name, 'reports', { after: query.after, limit: query.limit, count: items.length });
    return c.json({ reports: items, next: items.length === query.limit ? (page.last ?? null) : null });
  });

  api.handle(EPOCH_KEYS, async (c, { body }) => {
    const publicKey = Buffer.from(body.publicKey, 'base64');
    if (publicKey.toString('base64') !== body.publicKey) throw new ApiError(400, 'BAD_REQUEST', 'publicKey is not canonical base64');
    try {
      await checkEncryptionPublicKey(new Uint8Array(publicKey));
    } catch (err) {
      if (err instanceof SealError) throw new ApiError(400, 'BAD_REQUEST', err.message, { cause: err });
      throw err;
    }
    const auditor = c.get('principal').account.name;
    const recipient = encryptionKeyId(new Uint8Array(publicKey));
    const feed = centre.config.feed;
    const epochs = [];
    for (const record of centre.epochs.all()) {
      const key = centre.epochs.keyOf(record.epoch);
      const wrap = key === undefined ? undefined : await wrapEpochKey(new Uint8Array(publicKey), { feed, provider: auditor, recipient, epoch: record.epoch }, key);
      epochs.push({
        epoch: record.epoch,
        version: record.version,
        startedAt: record.startedAt,
        keyCommitment: b64(record.keyCommitment),
        enc: wrap === undefined ? null : b64(wrap.enc),
        wrapped: wrap === undefined ? null : b64(wrap.wrapped),
      });
    }
    recordRead(auditor, 'epoch-keys', { recipient, epochs: epochs.length });
    return c.json({ feed, provider: auditor, recipient, epochs });
  });

  return api.app;
}
