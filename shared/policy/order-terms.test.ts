import { describe, expect, it } from 'vitest';
import { sampleOrder } from '../testing/sample-order.ts';
import { parseSubjectRef } from '../wire/subject.ts';
import { orderPhaseAt, OrderTerms } from './order-terms.ts';

const T = Date.UTC(2026, 10, 1);
const DAY = 86_400_000;
const order = sampleOrder(T, {
  surfaces: ['public-posts', 'profile-pictures'],
  targets: { users: ['u-1'], groups: ['g-1'], channels: [] },
  notAfter: T + DAY,
});
const subject = (text: string) => parseSubjectRef(text, 'subject');

describe('orderPhaseAt', () => {
  it.each([
    ['before notBefore', T - 1, null, 'scheduled'],
    ['at notBefore (inclusive)', T, null, 'active'],
    ['just before notAfter', T + DAY - 1, null, 'active'],
    ['at notAfter (exclusive)', T + DAY, null, 'lapsed'],
    ['inside the window, before it was ended', T + 10, T + 100, 'active'],
    ['at the instant it was ended', T + 100, T + 100, 'ended'],
    ['after it was ended', T + 101, T + 100, 'ended'],
    ['after its window, ended within it', T + 2 * DAY, T + 100, 'ended'],
  ] as const)('is %s', (_name, at, endedAt, phase) => {
    expect(orderPhaseAt(order, at, endedAt)).toBe(phase);
  });
});

describe('OrderTerms', () => {
  describe('when asked whether the order covers a scan', () => {
    it.each([
      ['a listed surface, a targeted user, inside the window', 'public-posts', 'user:u-1', T, undefined],
      ['a targeted group on another listed surface', 'profile-pictures', 'group:g-1', T, undefined],
      ['an unlisted surface', 'dm-unencrypted', 'user:u-1', T, 'SURFACE_NOT_LISTED'],
      ['an untargeted user', 'public-posts', 'user:u-2', T, 'SUBJECT_NOT_TARGETED'],
      ['a targeted id under another kind', 'public-posts', 'channel:u-1', T, 'SUBJECT_NOT_TARGETED'],
      ['a time before the window', 'public-posts', 'user:u-1', T - 1, 'ORDER_NOT_YET_VALID'],
      ['a time at notAfter', 'public-posts', 'user:u-1', T + DAY, 'ORDER_LAPSED'],
      ['an unlisted surface outside the window (surface first)', 'dm', 'user:u-1', T + DAY, 'SURFACE_NOT_LISTED'],
    ] as const)('answers %s', (_name, surfaceId, subjectText, at, breach) => {
      expect(new OrderTerms(order).breachOf(surfaceId, subject(subjectText), at)).toBe(breach);
    });

    it('answers ORDER_ENDED from the instant the order was ended', () => {
      const terms = new OrderTerms(order, T + 100);
      expect(terms.breachOf('public-posts', subject('user:u-1'), T + 99)).toBeUndefined();
      expect(terms.breachOf('public-posts', subject('user:u-1'), T + 100)).toBe('ORDER_ENDED');
    });
  });

  describe('names', () => {
    it('looks at surface and subject only, never the time', () => {
      const terms = new OrderTerms(order, T);
      expect(terms.names('public-posts', subject('user:u-1'))).toBe(true);
      expect(terms.names('public-posts', subject('user:u-2'))).toBe(false);
      expect(terms.names('dm', subject('user:u-1'))).toBe(false);
    });
  });
});
