import { CodedError } from '../../shared/errors.ts';
import type { Centre } from '../centre.ts';
import { ApiError } from '../http/api-error.ts';
import { ForwardingStore, type InboxItem, type ReportHold } from '../store/forwarding.ts';
import { ReviewBundleStore } from '../store/review-bundles.ts';
import { latestHoldUntil, MAX_HOLD_MONTHS } from './hold-limit.ts';
import { ProviderDecisions } from './provider-decisions.ts';

/**
 * Refusals of a hold (docs/API.md, "Inbox"): INBOX_HOLD_INVALID (400,
 * `until` is not a time in the future), INBOX_HOLD_TOO_LONG (400, beyond
 * 18 months from now), INBOX_HOLD_UNFOUNDED (409, the report stands judged
 * unfounded: there is nothing to preserve it for).
 */
export type InboxCode = 'INBOX_HOLD_INVALID' | 'INBOX_HOLD_TOO_LONG' | 'INBOX_HOLD_UNFOUNDED';
export class InboxError extends CodedError<InboxCode> {}

/** Items per inbox page at most (default 50). */
export const MAX_INBOX_PAGE = 200;
/** Items one report can have in one inbox: forwarded, then (reopened) unfounded, and so on; bounded all the same. */
const MAX_ITEMS_PER_REPORT = 16;
export const HOLD_INVALID_MESSAGE = 'until must be a time in the future, in milliseconds since the epoch';

/** Anything not routed to the caller is 404, never a hint that it exists elsewhere. */
export const notInInbox = (): ApiError => new ApiError(404, 'NOT_FOUND', 'no such report in your inbox');

/**
 * A recipient's inbox (authorities and Europol): the reports routed to
 * their own account, acknowledging them, and holds. The one owner of those
 * rules, for /v1/inbox and the console alike; each change audited.
 */
export class Inbox {
  readonly #centre: Centre;
  readonly #store: ForwardingStore;
  readonly #bundles: ReviewBundleStore;
  readonly #providerDecisions: ProviderDecisions;

  constructor(centre: Centre) {
    this.#centre = centre;
    this.#store = new ForwardingStore(centre.db);
    this.#bundles = new ReviewBundleStore(centre.db);
    this.#providerDecisions = new ProviderDecisions(centre);
  }

  /** The account's items after the cursor, oldest first. */
  page(accountId: number, afterId: number, limit: number): InboxItem[] {
    return this.#store.inbox(accountId, afterId, Math.min(limit, MAX_INBOX_PAGE));
  }

  /** The report id, if it was routed to this account; 404 NOT_FOUND otherwise. */
  routed(accountId: number, reportId: string): string {
    if (!this.#store.routedTo(accountId, reportId)) throw notInInbox();
    return reportId;
  }

  /** Acknowledges the report's unacknowledged items in the account's inbox; how many. */
  ack(account: { readonly id: number; readonly name: string }, reportId: string, now: number): number {
    this.routed(account.id, reportId);
    return this.#centre.write(() => {
      const count = this.#store.ack(account.id, reportId, now);
      if (count > 0) this.#centre.audit.record(now, account.name, 'inbox.ack', `report:${reportId}`, { items: count });
      return count;
    });
  }

  /** Asks the provider to preserve the content and stay silent until `until`; the provider hears of it in the same transaction. */
  hold(account: { readonly id: number; readonly name: string }, reportId: string, until: number, now: number): void {
    this.routed(account.id, reportId);
    if (until <= now) throw new InboxError('INBOX_HOLD_INVALID', HOLD_INVALID_MESSAGE);
    if (until > latestHoldUntil(now)) throw new InboxError('INBOX_HOLD_TOO_LONG', `a hold lasts at most ${MAX_HOLD_MONTHS} months from now`);
    this.#centre.write(() => {
      // Checked inside the transaction: a decision cannot slip in between the check and the hold.
      if (this.#bundles.ofReport(reportId)?.state === 'unfounded') {
        throw new InboxError('INBOX_HOLD_UNFOUNDED', 'the report stands judged unfounded: there is nothing to preserve it for');
      }
      this.#store.addHold(reportId, account.id, until, now);
      this.#providerDecisions.held(reportId, now);
      this.#centre.audit.record(now, account.name, 'inbox.hold', `report:${reportId}`, { until });
    });
  }

  /** Every item of a report in the account's inbox (its chain of custody): 404 NOT_FOUND unless it was routed there. */
  itemsOf(accountId: number, reportId: string): InboxItem[] {
    this.routed(accountId, reportId);
    return this.#store.itemsOf(accountId, reportId, MAX_ITEMS_PER_REPORT);
  }

  /** The holds this account asked for on a report it received (never another recipient's). */
  holdsBy(account: { readonly id: number; readonly name: string }, reportId: string): ReportHold[] {
    this.routed(account.id, reportId);
    return this.#store.holdsOf(reportId).filter((hold) => hold.account === account.name);
  }
}
