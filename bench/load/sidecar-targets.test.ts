import { describe, expect, it } from 'vitest';
import type { PhaseResult } from './phase.ts';
import { checkTargets, phaseRows } from './sidecar-targets.ts';

const phase = (connections: number, okPerSecond: number, p50: number, p99: number, statuses: Record<string, number> = { '200': 100 }): PhaseResult => ({
  connections,
  seconds: 10,
  okPerSecond,
  ok: okPerSecond * 10,
  statuses,
  errors: 0,
  errorCodes: {},
  timeouts: 0,
  latencyMs: { p50, p90: p50, p99, max: p99, mean: p50 },
  targetCores: 1,
  generatorCores: 0.05,
  rssPeakBytes: 200 * 1024 * 1024,
  rssEndBytes: 190 * 1024 * 1024,
  loopDelayMaxMs: 20,
});

describe('the sidecar throughput targets', () => {
  describe('when every target is met', () => {
    it('holds each', () => {
      const checks = checkTargets([phase(1, 120, 8, 12), phase(16, 230, 70, 130)], 140);
      expect(checks.map((c) => c.held)).toEqual([true, true, true, true]);
    });
  });

  describe('when concurrency 1 is slower than 85% of the CLI, or 16 does not scale', () => {
    it('says which', () => {
      const checks = checkTargets([phase(1, 100, 8, 12), phase(16, 150, 70, 150)], 140);
      expect(checks.map((c) => c.held)).toEqual([false, false, false, true]);
      expect(checks[0]?.observed).toBeCloseTo(100 / 140);
    });
  });

  describe('when answers other than 2xx and 503 came back', () => {
    it('fails the error check, and counts 503 apart', () => {
      const checks = checkTargets([phase(1, 120, 8, 12, { '200': 90, '503': 5, '500': 2 })], 140);
      expect(checks.at(-1)).toMatchObject({ observed: 2, held: false });
      expect(phaseRows([phase(64, 200, 300, 400, { '200': 90, '503': 7 })], 140)[0]).toMatchObject({ '503': 7, 'other non-2xx': 0 });
    });
  });

  describe('when connections were reset', () => {
    it('takes resets after a 503 as the refusal they follow, and any other error as a failure', () => {
      const refusedLarge = { ...phase(16, 1, 5000, 9000, { '200': 5, '503': 11 }), errors: 6, errorCodes: { ECONNRESET: 5, EPIPE: 1 } };
      expect(checkTargets([refusedLarge], 140).at(-1)).toMatchObject({ observed: 0, held: true });
      const resetWithout503 = { ...phase(16, 1, 5000, 9000), errors: 2, errorCodes: { ECONNRESET: 2 } };
      expect(checkTargets([resetWithout503], 140).at(-1)).toMatchObject({ observed: 2, held: false });
      const otherError = { ...refusedLarge, errors: 7, errorCodes: { ECONNRESET: 6, ETIMEDOUT: 1 } };
      expect(checkTargets([otherError], 140).at(-1)).toMatchObject({ observed: 1, held: false });
    });
  });

  describe('when a phase is missing', () => {
    it('does not claim the target held', () => {
      expect(checkTargets([phase(4, 200, 20, 30)], 140).slice(0, 3).map((c) => c.held)).toEqual([false, false, false]);
    });
  });
});
