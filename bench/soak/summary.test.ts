import { describe, expect, it } from 'vitest';
import { checkBounds, slope, summarise, type Bound, type Metric, type TimedSample } from './summary.ts';

/** Samples at each minute in `minutes`, every metric 0 except `metric`, given by `value`. */
function series(minutes: readonly number[], metric: Metric, value: (m: number) => number): TimedSample[] {
  return minutes.map((m) => {
    const values: Record<Metric, number> = { rssBytes: 0, heapUsedBytes: 0, openFds: 0, walBytes: 0, loopDelayP99Ms: 0, loopDelayMaxMs: 0 };
    values[metric] = value(m);
    return { minutes: m, values };
  });
}

describe('soak summary', () => {
  describe('slope', () => {
    it('is the least-squares slope of a line, and null without two distinct x', () => {
      expect(slope([[0, 1], [1, 3], [2, 5]])).toBeCloseTo(2);
      expect(slope([[0, 1], [1, 2], [2, 1], [3, 2]])).toBeCloseTo(0.2);
      expect(slope([[1, 1]])).toBeNull();
      expect(slope([[1, 1], [1, 5]])).toBeNull();
    });
  });

  describe('when memory climbs during warm-up and then stays flat', () => {
    const samples = series([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'rssBytes', (m) => (m < 5 ? 100 + 20 * m : 200) * 1024 * 1024);

    it('reports start, end and max, and a flat second half', () => {
      const rss = summarise(samples).find((s) => s.metric === 'rssBytes');
      expect(rss).toMatchObject({ start: 100 * 1024 * 1024, end: 200 * 1024 * 1024, max: 200 * 1024 * 1024, slopePerMinute: 0 });
    });

    it('holds the slope bound', () => {
      const bound: Bound = { metric: 'rssBytes', rule: 'slope', limit: 1024 * 1024, says: 'flat' };
      expect(checkBounds(samples, [bound])).toEqual([{ bound, observed: 0, held: true }]);
    });
  });

  describe('when a figure keeps growing or passes its limit', () => {
    it('fails a slope, a maximum and a growth bound', () => {
      const bounds: Bound[] = [
        { metric: 'heapUsedBytes', rule: 'slope', limit: 0.5, says: 'slope' },
        { metric: 'heapUsedBytes', rule: 'max', limit: 10, says: 'max' },
        { metric: 'heapUsedBytes', rule: 'growth', limit: 8, says: 'growth' },
      ];
      const checks = checkBounds(series([0, 1, 2, 3, 4], 'heapUsedBytes', (m) => 5 * m), bounds);
      expect(checks.map((c) => [c.bound.says, c.observed, c.held])).toEqual([
        ['slope', 5, false],
        ['max', 20, false],
        ['growth', 15, false],
      ]);
    });

    it('does not hold a bound it had nothing to judge', () => {
      const [check] = checkBounds(series([0], 'openFds', () => 30), [{ metric: 'openFds', rule: 'growth', limit: 8, says: 'growth' }]);
      expect(check?.held).toBe(false);
    });
  });
});
