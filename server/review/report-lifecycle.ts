import { CodedError } from '../../shared/errors.ts';

/**
 * The report lifecycle (docs/API.md, "Review"): the one owner of every
 * transition. Reports are reviewed in bundles (server/review/bundling.ts),
 * so the state below is a bundle's, and every report of it is in that state.
 *
 *   received --claim--> in_review --decide(unfounded)--> unfounded
 *      ^  ^                |   \---decide(forwarded)--> forwarded
 *      |  +--lease expiry--+                               |
 *      +------- reopen (another reviewer) / QA disagree ---+
 *
 * This module is pure: given a bundle's state and an event it returns the
 * next state or throws a ReviewError. server/review/review-desk.ts applies
 * the result to the database, one immediate transaction per transition, with
 * its audit entry in the same transaction.
 */
export const REVIEW_STATES = ['received', 'in_review', 'unfounded', 'forwarded'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];
export type Decision = 'forwarded' | 'unfounded';
export const FINAL_STATES: readonly ReviewState[] = ['unfounded', 'forwarded'];

/** Why a report was judged unfounded: exactly these (issue 11), plus a sentence. */
export const UNFOUNDED_REASONS = ['preview_mismatch', 'indicator_error', 'duplicate', 'not_csam', 'other'] as const;
export type UnfoundedReason = (typeof UNFOUNDED_REASONS)[number];

/** none: not sampled; pending: sampled, waiting for a second reviewer; agreed or disagreed: checked. */
export type QaStatus = 'none' | 'pending' | 'agreed' | 'disagreed';

export interface BundleReview {
  readonly state: ReviewState;
  /** The reviewer holding the lease (in_review), else null. */
  readonly claimedBy: string | null;
  readonly leaseUntil: number | null;
  /** Who made the standing decision (final states), else null. */
  readonly decidedBy: string | null;
  readonly qa: QaStatus;
  /** The second reviewer holding the QA check's lease. */
  readonly qaClaimedBy: string | null;
  readonly qaLeaseUntil: number | null;
}

export type ReviewEvent =
  | { readonly kind: 'claim'; readonly reviewer: string; readonly now: number; readonly leaseMs: number }
  | { readonly kind: 'expire'; readonly now: number }
  | { readonly kind: 'decide'; readonly reviewer: string; readonly now: number; readonly decision: Decision; readonly qaSampled: boolean }
  /** `purged`: retention purged a report of the bundle (server/review/retention.ts): nothing is left to judge again. */
  | { readonly kind: 'reopen'; readonly reviewer: string; readonly now: number; readonly purged: boolean }
  | { readonly kind: 'qa-claim'; readonly reviewer: string; readonly now: number; readonly leaseMs: number }
  | { readonly kind: 'qa-check'; readonly reviewer: string; readonly now: number; readonly verdict: 'agree' | 'disagree' };
export type ReviewEventKind = ReviewEvent['kind'];

/**
 * Refusals of a review step (HTTP status in server/http/error-response.ts).
 * REVIEW_NOT_CLAIMED: the caller holds no lease on it (someone else does,
 * or nobody); REVIEW_LEASE_EXPIRED: the caller's lease ran out (claim it
 * again with `next`); REVIEW_ALREADY_CLAIMED: another reviewer's lease is
 * live; REVIEW_ALREADY_DECIDED: a final decision stands (only `reopen`
 * changes it); REVIEW_NOT_DECIDED: reopen or a QA check of an open report;
 * REVIEW_SAME_REVIEWER: the deciding reviewer may not reopen or check their
 * own decision; REVIEW_NO_QA_PENDING: no QA check is queued for it;
 * REVIEW_LEASE_LIVE: a lease that has not run out cannot expire;
 * REVIEW_REASON_REQUIRED: an unfounded decision without a reason code and a
 * sentence, or a reopen or QA disagreement without a sentence;
 * REVIEW_PURGED: a reopen of a decision whose reports retention purged (no
 * envelope, preview or subject is left to judge or forward).
 */
export type ReviewCode =
  | 'REVIEW_NOT_CLAIMED'
  | 'REVIEW_LEASE_EXPIRED'
  | 'REVIEW_ALREADY_CLAIMED'
  | 'REVIEW_ALREADY_DECIDED'
  | 'REVIEW_NOT_DECIDED'
  | 'REVIEW_SAME_REVIEWER'
  | 'REVIEW_NO_QA_PENDING'
  | 'REVIEW_LEASE_LIVE'
  | 'REVIEW_REASON_REQUIRED'
  | 'REVIEW_PURGED';
export class ReviewError extends CodedError<ReviewCode> {}

const OPEN: Pick<BundleReview, 'claimedBy' | 'leaseUntil' | 'decidedBy' | 'qa' | 'qaClaimedBy' | 'qaLeaseUntil'> = {
  claimedBy: null,
  leaseUntil: null,
  decidedBy: null,
  qa: 'none',
  qaClaimedBy: null,
  qaLeaseUntil: null,
};

/** A bundle as a new report opens it. */
export const RECEIVED: BundleReview = { state: 'received', ...OPEN };

const isFinal = (state: ReviewState): boolean => FINAL_STATES.includes(state);
const leaseLive = (until: number | null, now: number): boolean => until !== null && until > now;

/** The next state of a bundle under `event`, or a ReviewError saying why the event is refused. */
export function transition(current: BundleReview, event: ReviewEvent): BundleReview {
  switch (event.kind) {
    case 'claim': {
      if (isFinal(current.state)) throw decided();
      // A lapsed lease is as good as none: the queue takes it back (the desk audits that as an expiry first).
      if (current.state === 'in_review' && leaseLive(current.leaseUntil, event.now)) {
        throw new ReviewError('REVIEW_ALREADY_CLAIMED', 'another reviewer holds this report');
      }
      return { ...current, state: 'in_review', claimedBy: event.reviewer, leaseUntil: event.now + event.leaseMs };
    }
    case 'expire': {
      if (current.state !== 'in_review') throw new ReviewError('REVIEW_NOT_CLAIMED', 'only a claimed report has a lease to expire');
      if (leaseLive(current.leaseUntil, event.now)) throw new ReviewError('REVIEW_LEASE_LIVE', 'the lease has not run out');
      return { ...current, state: 'received', claimedBy: null, leaseUntil: null };
    }
    case 'decide': {
      if (isFinal(current.state)) throw decided();
      if (current.state !== 'in_review' || current.claimedBy !== event.reviewer) {
        throw new ReviewError('REVIEW_NOT_CLAIMED', 'decide only a report you claimed through GET /v1/review/next');
      }
      if (!leaseLive(current.leaseUntil, event.now)) throw new ReviewError('REVIEW_LEASE_EXPIRED', 'your lease on this report ran out; claim it again');
      return { ...OPEN, state: event.decision, decidedBy: event.reviewer, qa: event.qaSampled ? 'pending' : 'none' };
    }
    case 'reopen': {
      if (!isFinal(current.state)) throw new ReviewError('REVIEW_NOT_DECIDED', 'only a decided report can be reopened');
      if (current.decidedBy === event.reviewer) throw sameReviewer('reopen');
      // A purged report's decision is for ever: reopened, it would be judged blind and a forward would bind an empty envelope.
      if (event.purged) throw new ReviewError('REVIEW_PURGED', 'retention purged this report: its decision can no longer be reopened');
      return { ...RECEIVED };
    }
    case 'qa-claim': {
      if (!isFinal(current.state)) throw new ReviewError('REVIEW_NOT_DECIDED', 'a QA check follows a decision');
      if (current.qa !== 'pending') throw new ReviewError('REVIEW_NO_QA_PENDING', 'no QA check is queued for this report');
      if (current.decidedBy === event.reviewer) throw sameReviewer('check');
      if (current.qaClaimedBy !== event.reviewer && leaseLive(current.qaLeaseUntil, event.now)) {
        throw new ReviewError('REVIEW_ALREADY_CLAIMED', 'another reviewer holds this QA check');
      }
      return { ...current, qaClaimedBy: event.reviewer, qaLeaseUntil: event.now + event.leaseMs };
    }
    case 'qa-check': {
      if (!isFinal(current.state)) throw new ReviewError('REVIEW_NOT_DECIDED', 'a QA check follows a decision');
      if (current.qa !== 'pending') throw new ReviewError('REVIEW_NO_QA_PENDING', 'no QA check is queued for this report');
      if (current.decidedBy === event.reviewer) throw sameReviewer('check');
      if (current.qaClaimedBy !== event.reviewer) throw new ReviewError('REVIEW_NOT_CLAIMED', 'check only a QA sample you claimed through GET /v1/review/qa/next');
      if (!leaseLive(current.qaLeaseUntil, event.now)) throw new ReviewError('REVIEW_LEASE_EXPIRED', 'your lease on this QA check ran out; claim it again');
      // Disagreement reopens: the report goes back to the queue for a third look, the QA verdict stays in the audit.
      if (event.verdict === 'disagree') return { ...RECEIVED, qa: 'disagreed' };
      return { ...current, qa: 'agreed', qaClaimedBy: null, qaLeaseUntil: null };
    }
  }
}

function decided(): ReviewError {
  return new ReviewError('REVIEW_ALREADY_DECIDED', 'a decision stands; only an explicit reopen by another reviewer changes it');
}

function sameReviewer(what: 'reopen' | 'check'): ReviewError {
  return new ReviewError('REVIEW_SAME_REVIEWER', `the reviewer who decided may not ${what} their own decision`);
}
