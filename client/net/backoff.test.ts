import { describe, expect, it } from 'vitest';
import { boundedHintMs, DEFAULT_MAX_HINT_MS, intervalDelayMs, retryDelayMs, type BackoffPolicy } from './backoff.ts';

const POLICY: BackoffPolicy = { baseMs: 2000, maxMs: 3_600_000 };

describe('back-off', () => {
  describe('after a successful round', () => {
    it('waits the regular interval, or longer when the server asks', () => {
      expect(intervalDelayMs(60_000, undefined, POLICY)).toBe(60_000);
      expect(intervalDelayMs(60_000, 300_000, POLICY)).toBe(300_000);
      expect(intervalDelayMs(60_000, 5000, POLICY)).toBe(60_000);
    });
  });

  describe('after failures', () => {
    it('draws from a window that doubles up to the cap (full jitter)', () => {
      const top = (failures: number): number => retryDelayMs(POLICY, failures, undefined, () => 0.9999999);
      expect([1, 2, 3, 4].map(top)).toEqual([1999, 3999, 7999, 15_999]);
      expect(top(40)).toBe(3_599_999);
      expect(retryDelayMs(POLICY, 5, undefined, () => 0)).toBe(0);
      expect(retryDelayMs(POLICY, 5, undefined, () => 0.5)).toBe(16_000);
    });

    it('never retries sooner than Retry-After', () => {
      expect(retryDelayMs(POLICY, 1, 120_000, () => 0)).toBe(120_000);
    });
  });

  describe('when a server asks for more than the cap', () => {
    it.each([
      ['31 years', 999_999_999_000],
      ['10^10 seconds', 1e13],
      ['forever', Number.POSITIVE_INFINITY],
    ])('waits the cap, not %s', (_name, hintMs) => {
      expect(retryDelayMs(POLICY, 1, hintMs, () => 0)).toBe(DEFAULT_MAX_HINT_MS);
      expect(intervalDelayMs(60_000, hintMs, POLICY)).toBe(DEFAULT_MAX_HINT_MS);
      expect(retryDelayMs({ ...POLICY, maxHintMs: 10_000 }, 1, hintMs, () => 0)).toBe(10_000);
    });

    it('never returns more than setTimeout can wait, whatever the configuration', () => {
      const huge: BackoffPolicy = { baseMs: 1e15, maxMs: 1e15, maxHintMs: 1e15 };
      expect(retryDelayMs(huge, 3, 1e15, () => 1)).toBe(2 ** 31 - 1);
      expect(intervalDelayMs(1e15, undefined, huge)).toBe(2 ** 31 - 1);
    });

    it('treats a negative or unreadable hint as none', () => {
      expect(boundedHintMs(-5, POLICY)).toBe(0);
      expect(boundedHintMs(Number.NaN, POLICY)).toBe(0);
    });
  });
});
