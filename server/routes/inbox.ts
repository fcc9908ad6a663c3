import { Hono } from 'hono';
import { CodedError } from '../../shared/errors.ts';
import { REPORT_ID_PATTERN } from '../../shared/wire/report.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/auth.ts';
import { intParam, objectBody, readJson } from '../http/body.ts';
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
export function inboxRoutes({ centre, clock, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const recipient = guard('authority', 'europol');
  const store = new ForwardingStore(centre.db);
  const bundles = new ReviewBundleStore(centre.db);
  const providerDecisions = new ProviderDecisions(centre);

  app.get('/reports', recipient, (c) => {
    const account = c.get('principal').account;
    const after = intParam(c.req.query('after'), 'after', { fallback: 0 });
    // Each item carries two envelopes (a report up to 20 KiB): 200 of them stay under 6 MiB of JSON.
    const limit = Math.min(MAX_INBOX_PAGE, intParam(c.req.query('limit'), 'limit', { min: 1, fallback: 50 }));
    const items = store.inbox(account.id, after, limit);
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

  app.post('/reports/:id/ack', recipient, (c) => {
    const account = c.get('principal').account;
    const reportId = routedReport(c.req.param('id'), account.id, store);
    const now = clock();
    const acked = centre.write(() => {
      const count = store.ack(account.id, reportId, now);
      if (count > 0) centre.audit.record(now, account.name, 'inbox.ack', `report:${reportId}`, { items: count });
      return count;
    });
    return c.json({ reportId, acknowledged: acked, ackedAt: acked > 0 ? now : null });
  });

  app.post('/reports/:id/hold', recipient, async (c) => {
    const account = c.get('principal').account;
    const reportId = routedReport(c.req.param('id'), account.id, store);
    const { until } = objectBody(await readJson(c), ['until']);
    const now = clock();
    if (typeof until !== 'number' || !Number.isSafeInteger(until) || until <= now) {
      throw new InboxError('INBOX_HOLD_INVALID', 'until must be a time in the future, in milliseconds since the epoch');
    }
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

  return app;
}

/** The report id, if it was routed to this account; anything else is 404, never a hint that it exists elsewhere. */
function routedReport(raw: string, accountId: number, store: ForwardingStore): string {
  if (!REPORT_ID_PATTERN.test(raw) || !store.routedTo(accountId, raw)) throw new ApiError(404, 'NOT_FOUND', 'no such report in your inbox');
  return raw;
}
