import { describe, expect, it } from 'vitest';
import { latestHoldUntil } from './hold-limit.ts';

describe('latestHoldUntil', () => {
  it.each([
    ['an ordinary day', '2026-11-01T10:00:00.000Z', '2028-05-01T10:00:00.000Z'],
    ['the last day of a long month', '2026-08-31T23:59:59.999Z', '2028-02-29T23:59:59.999Z'],
    ['into a non-leap February', '2025-08-31T00:00:00.000Z', '2027-02-28T00:00:00.000Z'],
    ['across a year end', '2026-12-15T12:00:00.000Z', '2028-06-15T12:00:00.000Z'],
  ])('is 18 calendar months later for %s', (_name, from, to) => {
    expect(new Date(latestHoldUntil(Date.parse(from))).toISOString()).toBe(to);
  });
});
