import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { CodedError } from '../../shared/errors.ts';
import { REPORT_ID_PATTERN } from '../../shared/wire/report.ts';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { badRequest, type SchemaFailure } from '../http/schema-failure.ts';
import { afterId, epochMs, nextCursor, pageLimit } from '../http/schemas.ts';
import { latestHoldUntil, MAX_HOLD_MONTHS } from '../review/hold-limit.ts';
import { ProviderDecisions } from '../review/provider-decisions.ts';
import { ForwardingStore } from '../store/forwarding.ts';
import { ReviewBundleStore } from '../store/review-bundles.ts';
import type { RouteDeps } from './deps.ts';

/**
 * Refusals of a hold (docs/API.md, "Inbox"): INBOX_HOLD_INVALID (400,
 * `until` is not a time in the future), INBOX_HOLD_TOO_LONG (400, beyond
 * 18 months from now), INBOX_HOLD_UNFOUNDED (409, the report stands judged
 * unfounded: there is nothing to preserve it for).
 */
/** Items per inbox page at most (default 50). */
export const MAX_INBOX_PAGE = 200;

export type InboxCode = 'INBOX_HOLD_INVALID' | 'INBOX_HOLD_TOO_LONG' | 'INBOX_HOLD_UNFOUNDED';
export class InboxError extends CodedError<InboxCode> {}

/**
 * What recipients receive (mounted at /v1/inbox): authorities and Europol
 * see only the reports routed to their own account, each with the
 * provider's signed report and the Centre's signed forwarding record; they
 * acknowledge receipt and may ask for a hold.
 */
const recipient = ['authority', 'europol'] as const;
const ReportPath = z.object({ id: z.string().regex(REPORT_ID_PATTERN).openapi({ description: 'A report id (UUID)' }) });
const notInInbox = (): ApiError => new ApiError(404, 'NOT_FOUND', 'no such report in your inbox');
const HOLD_INVALID_MESSAGE = 'until must be a time in the future, in milliseconds since the epoch';

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
  const store = new ForwardingStore(centre.db);
  const bundles = new ReviewBundleStore(centre.db);
  const providerDecisions = new ProviderDecisions(centre);

  api.handle(LIST, (c, { query }) => {
    const account = c.get('principal').account;
    const { limit } = query;
    const items = store.inbox(account.id, query.after, limit);
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
    const account = c.get('principal').account;
    const reportId = routedReport(params.id, account.id, store);
    const now = clock();
    const acked = centre.write(() => {
      const count = store.ack(account.id, reportId, now);
      if (count > 0) centre.audit.record(now, account.name, 'inbox.ack', `report:${reportId}`, { items: count });
      return count;
    });
    return c.json({ reportId, acknowledged: acked, ackedAt: acked > 0 ? now : null });
  });

  api.handle(HOLD, (c, { params, body }) => {
    const account = c.get('principal').account;
    const reportId = routedReport(params.id, account.id, store);
    const { until } = body;
    const now = clock();
    if (until <= now) throw new InboxError('INBOX_HOLD_INVALID', HOLD_INVALID_MESSAGE);
    if (until > latestHoldUntil(now)) throw new InboxError('INBOX_HOLD_TOO_LONG', `a hold lasts at most ${MAX_HOLD_MONTHS} months from now`);
    centre.write(() => {
      // Checked inside the transaction: a decision cannot slip in between the check and the hold.
      if (bundles.ofReport(reportId)?.state === 'unfounded') {
        throw new InboxError('INBOX_HOLD_UNFOUNDED', 'the report stands judged unfounded: there is nothing to preserve it for');
      }
      store.addHold(reportId, account.id, until, now);
      // The provider hears of it in the same transaction (its decisions feed).
      providerDecisions.held(reportId, now);
      centre.audit.record(now, account.name, 'inbox.hold', `report:${reportId}`, { until });
    });
    return c.json({ reportId, hold: { until, requestedAt: now } }, 201);
  });

  return api.app;
}

/** The report id, if it was routed to this account; anything else is 404, never a hint that it exists elsewhere. */
function routedReport(reportId: string, accountId: number, store: ForwardingStore): string {
  if (!store.routedTo(accountId, reportId)) throw notInInbox();
  return reportId;
}
