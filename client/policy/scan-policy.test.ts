import { describe, expect, it } from 'vitest';
import type { DetectionOrder } from '../../shared/wire/order.ts';
import { openReplicaDatabase } from '../replica/database.ts';
import { OrderSet } from './order-set.ts';
import { ScanPolicy, type ScanDecision } from './scan-policy.ts';
import { parseSurfaces } from './surfaces.ts';
import { sampleOrder } from '../../shared/testing/sample-order.ts';

const T0 = Date.UTC(2026, 10, 1);
const HOUR = 3_600_000;

const order = (overrides: Partial<DetectionOrder> = {}): DetectionOrder =>
  sampleOrder(T0, { orderId: 'DE-1', surfaces: ['public-posts', 'dm-e2ee'], targets: { users: ['u-1'], groups: ['g-1'], channels: [] }, notAfter: T0 + 10 * HOUR, ...overrides });

const surfaces = parseSurfaces([
  { id: 'public-posts', description: 'Public posts', e2ee: false },
  { id: 'forum', description: 'Forum threads', e2ee: false },
  { id: 'dm-e2ee', description: 'Direct messages, end-to-end encrypted', e2ee: true },
]);

function policyWith(orders: DetectionOrder[], issuedAt = T0, options: { maxOrderListAgeMs?: number } = {}): ScanPolicy {
  const set = new OrderSet(openReplicaDatabase(':memory:'), 'example-host');
  set.accept({ provider: 'example-host', issuedAt, orders }, new Uint8Array(1), new Uint8Array(1), issuedAt);
  return new ScanPolicy({ surfaces, orders: set, ...options });
}

const outcome = (d: ScanDecision): string => (d.allowed ? `allowed:${d.order.orderId}` : d.code);

describe('scan policy', () => {
  describe('deciding a scan', () => {
    const orders = [order(), order({ orderId: 'DE-2', surfaces: ['forum'], targets: { users: [], groups: [], channels: ['c-1'] }, notBefore: T0 + 5 * HOUR })];
    it.each([
      ['a targeted user on an ordered surface', 'public-posts', 'user:u-1', T0 + HOUR, 'allowed:DE-1'],
      ['a targeted group on an ordered surface', 'public-posts', 'group:g-1', T0 + HOUR, 'allowed:DE-1'],
      ['an end-to-end encrypted surface, even one an order names', 'dm-e2ee', 'user:u-1', T0 + HOUR, 'SURFACE_E2EE'],
      ['an unknown surface', 'stories', 'user:u-1', T0 + HOUR, 'SURFACE_UNKNOWN'],
      ['an unknown surface with a bad subject (surface first)', 'stories', 'everyone', T0 + HOUR, 'SURFACE_UNKNOWN'],
      ['a subject without a kind', 'public-posts', 'u-1', T0 + HOUR, 'SUBJECT_INVALID'],
      ['a subject of an unknown kind', 'public-posts', 'device:u-1', T0 + HOUR, 'SUBJECT_INVALID'],
      ['a subject with white space', 'public-posts', 'user:u 1', T0 + HOUR, 'SUBJECT_INVALID'],
      ['an empty subject', 'public-posts', '', T0 + HOUR, 'SUBJECT_INVALID'],
      ['a subject no order targets', 'public-posts', 'user:u-2', T0 + HOUR, 'NO_ACTIVE_ORDER'],
      ['a targeted subject on a surface its order does not name', 'forum', 'user:u-1', T0 + HOUR, 'NO_ACTIVE_ORDER'],
      ['a targeted id under another subject kind', 'public-posts', 'channel:u-1', T0 + HOUR, 'NO_ACTIVE_ORDER'],
      ['the first instant of the window (notBefore, inclusive)', 'public-posts', 'user:u-1', T0, 'allowed:DE-1'],
      ['the last millisecond of the window', 'public-posts', 'user:u-1', T0 + 10 * HOUR - 1, 'allowed:DE-1'],
      ['exactly notAfter (lapsed)', 'public-posts', 'user:u-1', T0 + 10 * HOUR, 'NO_ACTIVE_ORDER'],
      ['long after notAfter', 'public-posts', 'user:u-1', T0 + 20 * HOUR, 'NO_ACTIVE_ORDER'],
      ['before the window opens', 'public-posts', 'user:u-1', T0 - 1, 'ORDER_NOT_YET_VALID'],
      ['an order that is not valid yet', 'forum', 'channel:c-1', T0 + HOUR, 'ORDER_NOT_YET_VALID'],
      ['the same order once valid', 'forum', 'channel:c-1', T0 + 5 * HOUR, 'allowed:DE-2'],
    ])('%s: %s %s at %i -> %s', (_name, surfaceId, subject, now, expected) => {
      expect(outcome(policyWith(orders).decideScan({ surfaceId, subject, now }))).toBe(expected);
    });
  });

  describe('when no order list was ever accepted', () => {
    it('refuses with NO_ACTIVE_ORDER', () => {
      const policy = new ScanPolicy({ surfaces, orders: new OrderSet(openReplicaDatabase(':memory:'), 'example-host') });
      expect(outcome(policy.decideScan({ surfaceId: 'public-posts', subject: 'user:u-1', now: T0 }))).toBe('NO_ACTIVE_ORDER');
    });
  });

  describe('when the order list is too old', () => {
    it('refuses everything with ORDERS_STALE until a fresher list arrives', () => {
      const policy = policyWith([order()], T0, { maxOrderListAgeMs: 2 * HOUR });
      expect(outcome(policy.decideScan({ surfaceId: 'public-posts', subject: 'user:u-1', now: T0 + 2 * HOUR }))).toBe('allowed:DE-1');
      expect(outcome(policy.decideScan({ surfaceId: 'public-posts', subject: 'user:u-1', now: T0 + 2 * HOUR + 1 }))).toBe('ORDERS_STALE');
    });
  });

  describe('when the order list was issued ahead of the local clock (its age is negative)', () => {
    it('counts it as stale beyond the allowed skew: the clock stepped back, or the list came from a Centre running fast', () => {
      // Held as it was taken (before the clock rule, or before this clock stepped back a day).
      const policy = policyWith([order({ notBefore: T0 - 48 * HOUR })], T0);
      expect(outcome(policy.decideScan({ surfaceId: 'public-posts', subject: 'user:u-1', now: T0 - 5 * 60_000 }))).toBe('allowed:DE-1');
      expect(outcome(policy.decideScan({ surfaceId: 'public-posts', subject: 'user:u-1', now: T0 - 5 * 60_000 - 1 }))).toBe('ORDERS_STALE');
      expect(outcome(policy.decideScan({ surfaceId: 'public-posts', subject: 'user:u-1', now: T0 - 24 * HOUR }))).toBe('ORDERS_STALE');
    });
  });

  describe('when several orders cover a scan', () => {
    it('cites the one that runs longest', () => {
      const policy = policyWith([order(), order({ orderId: 'DE-9', notAfter: T0 + 20 * HOUR })]);
      expect(outcome(policy.decideScan({ surfaceId: 'public-posts', subject: 'user:u-1', now: T0 + HOUR }))).toBe('allowed:DE-9');
    });
  });

  describe('when an allowed scan is decided again before reporting', () => {
    const allowedAt = (policy: ScanPolicy, now: number) => {
      const decision = policy.decideScan({ surfaceId: 'public-posts', subject: 'user:u-1', now });
      if (!decision.allowed) throw new Error(`expected an allowed scan, got ${decision.code}`);
      return decision;
    };

    it('refuses once its order has lapsed, and counts that refusal', () => {
      const policy = policyWith([order()]);
      const decision = allowedAt(policy, T0 + 10 * HOUR - 3000);
      expect(outcome(policy.recheck(decision, T0 + 10 * HOUR - 1))).toBe('allowed:DE-1');
      expect(outcome(policy.recheck(decision, T0 + 10 * HOUR + 7000))).toBe('NO_ACTIVE_ORDER');
      expect(policy.refusals.get('NO_ACTIVE_ORDER')).toBe(1);
      expect(policy.allowedCount).toBe(1);
    });

    it('names the order active now when another one still covers the scan', () => {
      const policy = policyWith([order(), order({ orderId: 'DE-3', notAfter: T0 + 20 * HOUR })]);
      const early = policyWith([order()]);
      const decision = allowedAt(early, T0 + HOUR);
      expect(outcome(policy.recheck(decision, T0 + 15 * HOUR))).toBe('allowed:DE-3');
    });
  });

  describe('counting', () => {
    it('counts refusals by code and allowed scans, and keeps nothing else', () => {
      const policy = policyWith([order()]);
      for (const [surfaceId, subject] of [['dm-e2ee', 'user:u-1'], ['dm-e2ee', 'user:u-2'], ['nope', 'user:u-1'], ['public-posts', 'user:u-1']] as const) {
        policy.decideScan({ surfaceId, subject, now: T0 + HOUR });
      }
      expect(Object.fromEntries(policy.refusals)).toEqual({ SURFACE_UNKNOWN: 1, SURFACE_E2EE: 2, SUBJECT_INVALID: 0, ORDERS_STALE: 0, ORDER_NOT_YET_VALID: 0, NO_ACTIVE_ORDER: 0 });
      expect(policy.allowedCount).toBe(1);
    });
  });

  describe('a refusal message', () => {
    it('never repeats the subject', () => {
      const policy = policyWith([order()]);
      for (const subject of ['user:alice-at-example', 'alice@example.org']) {
        const decision = policy.decideScan({ surfaceId: 'public-posts', subject, now: T0 + HOUR });
        expect(decision.allowed).toBe(false);
        if (!decision.allowed) expect(decision.message).not.toContain('alice');
      }
    });
  });
});
