import { describe, expect, it } from 'vitest';
import { failuresOf, summariseProcess, summariseRoute } from './summary.ts';

describe('summariseRoute', () => {
  describe('when every answer is 200', () => {
    it('gives the rate, the percentiles and no failure', () => {
      const latenciesMs = Array.from({ length: 100 }, (_, i) => i + 1);
      const figures = summariseRoute({ route: 'GET /v1/feed/timestamp', server: 'feed', latenciesMs, statuses: { '200': 100 }, errors: 0, firstAtMs: 1000, lastAtMs: 10_900 }, 10);
      expect(figures).toMatchObject({ requests: 100, perSecond: 10, activePerSecond: 10, p50Ms: 50, p99Ms: 99, maxMs: 100, non2xx: 0, errors: 0 });
      expect(failuresOf('centre', [figures])).toEqual([]);
    });
  });

  describe('when some answers are not 2xx or failed', () => {
    it('counts them and the phase fails', () => {
      const figures = summariseRoute({ route: 'POST /v1/reports', server: 'centre', latenciesMs: [1, 2, 3], statuses: { '201': 1, '429': 1, '503': 1 }, errors: 2, firstAtMs: 0, lastAtMs: 0 }, 1);
      expect(figures.non2xx).toBe(2);
      expect(failuresOf('reports', [figures])).toEqual([expect.stringContaining('2 non-2xx')]);
    });
  });
});

describe('summariseProcess', () => {
  it('turns CPU seconds over wall time into cores, and RSS into MiB', () => {
    const figures = summariseProcess({ pid: 7, cpuSecondsStart: 1, cpuSecondsEnd: 16, wallSeconds: 30, rssBytes: [100 * 2 ** 20, 300 * 2 ** 20, 200 * 2 ** 20] });
    expect(figures).toEqual({ pid: 7, cores: 0.5, cpuSeconds: 15, rssPeakMb: 300, rssEndMb: 200 });
  });
});
