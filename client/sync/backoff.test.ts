import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, nextDelaySeconds } from './backoff.ts';

describe('nextDelaySeconds', () => {
  describe('after a successful round', () => {
    it('waits the regular interval, or longer when the Centre asks', () => {
      expect(nextDelaySeconds(DEFAULT_BACKOFF, 0, undefined)).toBe(60);
      expect(nextDelaySeconds(DEFAULT_BACKOFF, 0, 300)).toBe(300);
      expect(nextDelaySeconds(DEFAULT_BACKOFF, 0, 5)).toBe(60);
    });
  });

  describe('after failures', () => {
    it('draws from a window that doubles up to the cap (full jitter)', () => {
      const top = (failures: number): number => nextDelaySeconds(DEFAULT_BACKOFF, failures, undefined, () => 1);
      expect([1, 2, 3, 4].map(top)).toEqual([2, 4, 8, 16]);
      expect(top(40)).toBe(DEFAULT_BACKOFF.maxSeconds);
      expect(nextDelaySeconds(DEFAULT_BACKOFF, 5, undefined, () => 0)).toBe(0);
      expect(nextDelaySeconds(DEFAULT_BACKOFF, 5, undefined, () => 0.5)).toBe(16);
    });

    it('never retries sooner than Retry-After', () => {
      expect(nextDelaySeconds(DEFAULT_BACKOFF, 1, 120, () => 0)).toBe(120);
    });
  });
});
