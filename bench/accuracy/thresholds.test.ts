import { describe, expect, it } from 'vitest';
import { rate } from './stats.ts';
import { chooseThreshold } from './thresholds.ts';
import type { AccuracyResult } from './types.ts';

/** A result for one 64-bit matcher: `pairs` distinct pairs with `collisionsAt[d]` of them at distance d, and two cases. */
function resultWith(pairs: number, collisionsAt: Readonly<Record<number, number>>): AccuracyResult {
  const histogram = Array.from({ length: 65 }, (_, d) => collisionsAt[d] ?? 0);
  histogram[64] = (histogram[64] ?? 0) + pairs - histogram.reduce((a, b) => a + b, 0);
  const caseWith = (transform: string, distances: (number | null)[]) => ({
    transform,
    family: transform,
    strength: 1,
    label: transform,
    categorical: false,
    failed: 0,
    errors: [],
    results: { h64: { eligible: distances.length, matched: 0, belowFloor: 0, tpr: rate(0, distances.length), distances } },
  });
  return {
    meta: { generatedAt: '', seconds: 0, machine: { cpus: 1, node: '', sharp: '', platform: '' }, source: { kind: 'synthetic', description: '' }, seed: 1, originals: 0, transformed: 4, options: {} },
    matchers: [{ name: 'h64', hasher: 'h64', bits: 64, threshold: 8, qualityFloor: null, origin: 'registry', note: '' }],
    originals: [],
    falsePositives: { h64: { pairs, falsePositives: 0, fpr: rate(0, pairs), histogram, closest: [] } },
    cases: [caseWith('jpeg', [0, 2, 4, 14]), caseWith('crop', [10, 12, null, 30])],
  };
}

describe('chooseThreshold', () => {
  describe('when the pairs are enough to bound the rate under 1e-4', () => {
    it('takes the largest threshold whose upper bound stays within it, and reads the mean TPR there', () => {
      // 80,000 pairs: one collision (bound 6.96e-5) fits, three (bound 1.1e-4) do not.
      const choice = chooseThreshold(resultWith(80_000, { 11: 1, 13: 2 }), 'h64', 16);
      expect(choice.chosen).toBe(12);
      expect(choice.points[12]?.fpr.k).toBe(1);
      expect(choice.points[13]?.fpr.upper95).toBeGreaterThan(1e-4);
      expect(choice.points[12]?.meanTpr).toBeCloseTo((3 / 4 + 2 / 4) / 2);
      expect(choice.current).toBe(8);
    });
  });

  describe('when there are too few pairs', () => {
    it('chooses none, even with no collision at all', () => {
      expect(chooseThreshold(resultWith(20_000, {}), 'h64', 16).chosen).toBeNull();
    });
  });

  it('refuses a matcher the result does not hold', () => {
    expect(() => chooseThreshold(resultWith(10, {}), 'nope', 8)).toThrow(RangeError);
  });
});
