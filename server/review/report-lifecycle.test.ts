import { describe, expect, it } from 'vitest';
import { codeOf } from '../../shared/testing/code-of.ts';
import { RECEIVED, REVIEW_STATES, transition, type BundleReview, type ReviewEvent, type ReviewEventKind, type ReviewState } from './report-lifecycle.ts';

const NOW = 1_000_000;
const LEASE = 15 * 60_000;

/** One bundle per state: ana claimed or decided it, her lease live, a QA check queued on a decision. */
const IN: Readonly<Record<ReviewState, BundleReview>> = {
  received: RECEIVED,
  in_review: { ...RECEIVED, state: 'in_review', claimedBy: 'ana', leaseUntil: NOW + LEASE },
  unfounded: { ...RECEIVED, state: 'unfounded', decidedBy: 'ana', qa: 'pending', qaClaimedBy: 'ben', qaLeaseUntil: NOW + LEASE },
  forwarded: { ...RECEIVED, state: 'forwarded', decidedBy: 'ana', qa: 'pending', qaClaimedBy: 'ben', qaLeaseUntil: NOW + LEASE },
};

/** Each event as the reviewer most entitled to it sends it: ana decides, ben reopens and checks. */
const EVENTS: { readonly [K in ReviewEventKind]: Extract<ReviewEvent, { kind: K }> } = {
  claim: { kind: 'claim', reviewer: 'ben', now: NOW, leaseMs: LEASE },
  expire: { kind: 'expire', now: NOW + LEASE },
  decide: { kind: 'decide', reviewer: 'ana', now: NOW, decision: 'forwarded', qaSampled: false },
  reopen: { kind: 'reopen', reviewer: 'ben', now: NOW, purged: false },
  'qa-claim': { kind: 'qa-claim', reviewer: 'ben', now: NOW, leaseMs: LEASE },
  'qa-check': { kind: 'qa-check', reviewer: 'ben', now: NOW, verdict: 'disagree' },
};

/** Every state by every event: the next state, or the refusal's code. */
const TABLE: Readonly<Record<ReviewState, Readonly<Record<ReviewEventKind, ReviewState | `REVIEW_${string}`>>>> = {
  received: {
    claim: 'in_review',
    expire: 'REVIEW_NOT_CLAIMED',
    decide: 'REVIEW_NOT_CLAIMED',
    reopen: 'REVIEW_NOT_DECIDED',
    'qa-claim': 'REVIEW_NOT_DECIDED',
    'qa-check': 'REVIEW_NOT_DECIDED',
  },
  in_review: {
    claim: 'REVIEW_ALREADY_CLAIMED',
    expire: 'received',
    decide: 'forwarded',
    reopen: 'REVIEW_NOT_DECIDED',
    'qa-claim': 'REVIEW_NOT_DECIDED',
    'qa-check': 'REVIEW_NOT_DECIDED',
  },
  unfounded: {
    claim: 'REVIEW_ALREADY_DECIDED',
    expire: 'REVIEW_NOT_CLAIMED',
    decide: 'REVIEW_ALREADY_DECIDED',
    reopen: 'received',
    'qa-claim': 'unfounded',
    'qa-check': 'received',
  },
  forwarded: {
    claim: 'REVIEW_ALREADY_DECIDED',
    expire: 'REVIEW_NOT_CLAIMED',
    decide: 'REVIEW_ALREADY_DECIDED',
    reopen: 'received',
    'qa-claim': 'forwarded',
    'qa-check': 'received',
  },
};

const outcome = (from: BundleReview, event: ReviewEvent): string => codeOf(() => transition(from, event)) ?? transition(from, event).state;

describe('the report lifecycle', () => {
  describe.each(REVIEW_STATES)('when a bundle is %s', (state) => {
    it.each(Object.keys(EVENTS) as ReviewEventKind[])('answers %s as the table says', (kind) => {
      expect(outcome(IN[state], EVENTS[kind])).toBe(TABLE[state][kind]);
    });
  });

  describe('when the caller or the clock is not the one the state expects', () => {
    it.each([
      ['a decision by a reviewer who did not claim it', IN.in_review, { ...EVENTS.decide, reviewer: 'ben' }, 'REVIEW_NOT_CLAIMED'],
      ['a decision after the lease ran out', IN.in_review, { ...EVENTS.decide, now: NOW + LEASE }, 'REVIEW_LEASE_EXPIRED'],
      ['an expiry before the lease ran out', IN.in_review, { kind: 'expire', now: NOW + LEASE - 1 }, 'REVIEW_LEASE_LIVE'],
      ['a reopen by the deciding reviewer', IN.forwarded, { ...EVENTS.reopen, reviewer: 'ana' }, 'REVIEW_SAME_REVIEWER'],
      ['a reopen of a decision whose reports retention purged', IN.unfounded, { ...EVENTS.reopen, purged: true }, 'REVIEW_PURGED'],
      ['a QA claim by the deciding reviewer', IN.unfounded, { ...EVENTS['qa-claim'], reviewer: 'ana' }, 'REVIEW_SAME_REVIEWER'],
      ['a QA check by the deciding reviewer', IN.unfounded, { ...EVENTS['qa-check'], reviewer: 'ana' }, 'REVIEW_SAME_REVIEWER'],
      ['a QA claim while another reviewer holds it', IN.unfounded, { ...EVENTS['qa-claim'], reviewer: 'cem' }, 'REVIEW_ALREADY_CLAIMED'],
      ['a QA check by a reviewer who did not claim it', IN.unfounded, { ...EVENTS['qa-check'], reviewer: 'cem' }, 'REVIEW_NOT_CLAIMED'],
      ['a QA check after its lease ran out', IN.unfounded, { ...EVENTS['qa-check'], now: NOW + LEASE }, 'REVIEW_LEASE_EXPIRED'],
      ['a QA claim where none is queued', { ...IN.unfounded, qa: 'none' }, EVENTS['qa-claim'], 'REVIEW_NO_QA_PENDING'],
      ['a QA check already made', { ...IN.forwarded, qa: 'agreed' }, EVENTS['qa-check'], 'REVIEW_NO_QA_PENDING'],
    ] satisfies [string, BundleReview, ReviewEvent, string][])('refuses %s', (_name, from, event, code) => {
      expect(codeOf(() => transition(from, event))).toBe(code);
    });

    it('lets anyone claim a bundle whose lease ran out', () => {
      expect(transition(IN.in_review, { ...EVENTS.claim, now: NOW + LEASE })).toMatchObject({ state: 'in_review', claimedBy: 'ben', leaseUntil: NOW + 2 * LEASE });
    });

    it('lets a QA check be claimed again once its lease ran out', () => {
      expect(transition(IN.unfounded, { ...EVENTS['qa-claim'], reviewer: 'cem', now: NOW + LEASE })).toMatchObject({ qaClaimedBy: 'cem' });
    });
  });

  describe('when a decision is made', () => {
    it('records who decided, drops the lease, and queues a QA check only when sampled', () => {
      expect(transition(IN.in_review, { ...EVENTS.decide, decision: 'unfounded' })).toEqual({ ...RECEIVED, state: 'unfounded', decidedBy: 'ana' });
      expect(transition(IN.in_review, { ...EVENTS.decide, qaSampled: true })).toEqual({ ...RECEIVED, state: 'forwarded', decidedBy: 'ana', qa: 'pending' });
    });

    it('keeps it when the second reviewer agrees, and reopens it when they disagree', () => {
      expect(transition(IN.unfounded, { ...EVENTS['qa-check'], verdict: 'agree' })).toEqual({ ...RECEIVED, state: 'unfounded', decidedBy: 'ana', qa: 'agreed' });
      expect(transition(IN.unfounded, EVENTS['qa-check'])).toEqual({ ...RECEIVED, qa: 'disagreed' });
    });

    it('forgets the decision on reopen: the next reviewer starts from received', () => {
      expect(transition(IN.forwarded, EVENTS.reopen)).toEqual(RECEIVED);
    });
  });
});
