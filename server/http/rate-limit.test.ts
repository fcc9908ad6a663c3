import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  describe('when a bucket is empty', () => {
    it('refuses until it refills, and says how long to wait', () => {
      const limiter = new RateLimiter({ burst: 2, perSecond: 1 });
      expect([limiter.take('a', 0), limiter.take('a', 0)]).toEqual([0, 0]);
      expect(limiter.take('a', 0)).toBe(1);
      expect(limiter.take('a', 1000)).toBe(0);
    });

    it('can be checked without taking a request', () => {
      const limiter = new RateLimiter({ burst: 1, perSecond: 0.5 });
      expect(limiter.wait('a', 0)).toBe(0);
      limiter.take('a', 0);
      expect(limiter.wait('a', 0)).toBe(2);
      expect(limiter.wait('a', 0)).toBe(2);
    });
  });

  describe('when more callers come than it keeps buckets for', () => {
    it('evicts the least recently used, so a hot caller stays limited', () => {
      const limiter = new RateLimiter({ burst: 1, perSecond: 0.001 });
      limiter.take('hot', 0);
      for (let i = 0; i < 150_000; i++) {
        limiter.take(`cold-${i}`, 0);
        // The hot caller keeps knocking: its bucket is always recent.
        if (i % 1000 === 0) expect(limiter.take('hot', 0)).toBeGreaterThan(0);
      }
      expect(limiter.take('hot', 0)).toBeGreaterThan(0);
      expect(limiter.size).toBeLessThanOrEqual(100_000);
    });

    it('keeps at most maxKeys buckets, dropping the oldest first', () => {
      const limiter = new RateLimiter({ burst: 1, perSecond: 0.001 }, { maxKeys: 2 });
      limiter.take('a', 0);
      limiter.take('b', 0);
      limiter.take('a', 0);
      limiter.take('c', 0);
      expect(limiter.size).toBe(2);
      expect(limiter.take('a', 0)).toBeGreaterThan(0);
      expect(limiter.take('b', 0)).toBe(0);
    });
  });

  describe('when the wall clock steps back (an NTP correction, a resumed VM)', () => {
    it('refuses no caller for the length of the step', () => {
      const HOUR = 3_600_000;
      const limiter = new RateLimiter({ burst: 120, perSecond: 20 });
      const failures = new RateLimiter({ burst: 20, perSecond: 0.2 });
      expect(limiter.take('token:1', 10 * HOUR)).toBe(0);
      expect(failures.take('client:a', 10 * HOUR)).toBe(0);
      // An hour back: elapsed time is negative, which must not drain the buckets.
      expect(limiter.take('token:1', 9 * HOUR)).toBe(0);
      expect(failures.wait('client:a', 9 * HOUR)).toBe(0);
      expect(failures.take('client:a', 9 * HOUR)).toBe(0);
    });
  });
});
