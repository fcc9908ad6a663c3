import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { REPORT_ID_PATTERN } from '../../shared/wire/report.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { badRequest, type SchemaFailure } from '../http/schema-failure.ts';
import { afterId, epochMs, nextCursor, pageLimit } from '../http/schemas.ts';
import { MAX_HOLD_MONTHS } from '../review/hold-limit.ts';
import { HOLD_INVALID_MESSAGE, Inbox, InboxError, MAX_INBOX_PAGE, notInInbox } from '../review/inbox.ts';
import type { RouteDeps } from './deps.ts';

/**
 * What recipients receive (mounted at /v1/inbox): authorities and Europol
 * see only the reports routed to their own account, each with the
 * provider's signed report and the Centre's signed forwarding record; they
 * acknowledge receipt and may ask for a hold.
 */
const recipient = ['authority', 'europol'] as const;
const ReportPath = z.object({ id: z.string().regex(REPORT_ID_PATTERN).openapi({ description: 'A report id (UUID)' }) });

/** A malformed id is 404 like one routed elsewhere; a malformed `until` keeps its code INBOX_HOLD_INVALID. */
function holdRefusal(failure: SchemaFailure): Error {
  if (failure.part === 'params') return notInInbox();
  if (failure.issues[0]?.path[0] === 'until') return new InboxError('INBOX_HOLD_INVALID', HOLD_INVALID_MESSAGE);
  return badRequest(failure);
}

const InboxItem = z.object({
  id: z.number().int().openapi({ description: 'The inbox item id (pass the last as `after`)' }),
  reportId: z.string(),
  decision: z.enum(['forwarded', 'unfounded']),
  decidedAt: epochMs,
  deliveredAt: epochMs,
  ackedAt: epochMs.nullable(),
  report: z.string().nullable().openapi({ description: "The provider's signed report envelope (msgpack), base64; null once retention purged it" }),
  record: z.string().openapi({ description: "The Centre's signed forwarding record envelope (msgpack), base64" }),
  purgedAt: epochMs.nullable().openapi({ description: 'When retention purged the report envelope; the record stays' }),
});

const LIST = defineRoute({
  method: 'get',
  path: '/reports',
  summary: 'Reports routed to the calling account, oldest first',
  access: recipient,
  // Each item carries two envelopes (a report up to 20 KiB): 200 of them stay under 6 MiB of JSON.
  query: z.object({ after: afterId, limit: pageLimit(MAX_INBOX_PAGE, 50) }),
  responses: { 200: { description: 'A page of the inbox', content: { 'application/json': { schema: z.object({ reports: z.array(InboxItem), next: nextCursor }) } } } },
});

const ACK = defineRoute({
  method: 'post',
  path: '/reports/:id/ack',
  summary: 'Acknowledge receipt of a routed report',
  access: recipient,
  params: ReportPath,
  refuse: notInInbox,
  responses: {
    200: { description: 'Acknowledged', content: { 'application/json': { schema: z.object({ reportId: z.string(), acknowledged: z.number().int(), ackedAt: epochMs.nullable() }) } } },
  },
  errors: { 404: ['NOT_FOUND'] },
});

const HOLD = defineRoute({
  method: 'post',
  path: '/reports/:id/hold',
  summary: 'Ask the provider to preserve the content and not inform the user until a time',
  description: "The hold reaches the provider through its decisions feed (GET /v1/feed/decisions), in the same transaction.",
  access: recipient,
  params: ReportPath,
  body: z.strictObject({ until: epochMs.openapi({ description: `In the future, at most ${MAX_HOLD_MONTHS} months from now (ms since the epoch)` }) }),
  refuse: holdRefusal,
  responses: {
    201: { description: 'Held', content: { 'application/json': { schema: z.object({ reportId: z.string(), hold: z.object({ until: epochMs, requestedAt: epochMs }) }) } } },
  },
  errors: { 400: ['INBOX_HOLD_INVALID', 'INBOX_HOLD_TOO_LONG'], 404: ['NOT_FOUND'], 409: ['INBOX_HOLD_UNFOUNDED'] },
});

export function inboxRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'inbox');
  const inbox = new Inbox(centre);

  api.handle(LIST, (c, { query }) => {
    const account = c.get('principal').account;
    const { limit } = query;
    const items = inbox.page(account.id, query.after, limit);
    return c.json({
      reports: items.map((item) => ({
        id: item.id,
        reportId: item.reportId,
        decision: item.decision,
        decidedAt: item.decidedAt,
        deliveredAt: item.deliveredAt,
        ackedAt: item.ackedAt,
        // Null once retention purged it (purgedAt says when); the Centre's record stays.
        report: item.reportEnvelope === null ? null : Buffer.from(item.reportEnvelope).toString('base64'),
        record: Buffer.from(item.recordEnvelope).toString('base64'),
        purgedAt: item.purgedAt,
      })),
      next: items.length === limit ? (items[items.length - 1]?.id ?? null) : null,
    });
  });

  api.handle(ACK, (c, { params }) => {
    const now = clock();
    const acked = inbox.ack(c.get('principal').account, params.id, now);
    return c.json({ reportId: params.id, acknowledged: acked, ackedAt: acked > 0 ? now : null });
  });

  api.handle(HOLD, (c, { params, body }) => {
    const { until } = body;
    const now = clock();
    inbox.hold(c.get('principal').account, params.id, until, now);
    return c.json({ reportId: params.id, hold: { until, requestedAt: now } }, 201);
  });

  return api.app;
}
