/**
 * Thresholds read off the ROC: for one matcher, the false-positive rate
 * (with its exact 95 % upper bound) and the mean true-positive rate over
 * every case at each threshold, and the largest threshold whose upper
 * bound stays within the target. Zero collisions in n pairs bound the rate
 * by about 3.7 / n only, so a target of 1e-4 needs some 37,000 pairs before
 * any threshold can qualify: with fewer, none does, and the table says so.
 */
import { rate } from './stats.ts';
import type { Rate } from './stats.ts';
import type { AccuracyResult } from './types.ts';

/** The false-positive rate issue 6 set for PDQ, used for every perceptual hash. */
export const FPR_TARGET = 1e-4;

export interface ThresholdPoint {
  readonly threshold: number;
  readonly fpr: Rate;
  /** Mean over cases of the share of eligible re-uploads within the threshold (a re-upload below the floor counts as a miss). */
  readonly meanTpr: number;
}

export interface ThresholdChoice {
  readonly matcher: string;
  readonly current: number;
  readonly points: readonly ThresholdPoint[];
  /** Largest threshold whose FPR upper bound is at most the target; null when none is. */
  readonly chosen: number | null;
}

export function chooseThreshold(result: AccuracyResult, matcherName: string, maxThreshold: number, target = FPR_TARGET): ThresholdChoice {
  const matcher = result.matchers.find((m) => m.name === matcherName);
  const fp = result.falsePositives[matcherName];
  if (matcher === undefined || fp === undefined) throw new RangeError(`no results for matcher ${matcherName}`);
  const points: ThresholdPoint[] = [];
  let collisions = 0;
  for (let t = 0; t <= maxThreshold; t++) {
    collisions += fp.histogram[t] ?? 0;
    let sum = 0;
    let cases = 0;
    for (const c of result.cases) {
      const r = c.results[matcherName];
      if (r === undefined || r.eligible === 0) continue;
      const hits = r.distances.filter((d) => d !== null && d <= t).length;
      sum += hits / r.eligible;
      cases++;
    }
    points.push({ threshold: t, fpr: rate(collisions, fp.pairs), meanTpr: cases === 0 ? 0 : sum / cases });
  }
  const within = points.filter((p) => p.fpr.upper95 <= target);
  return { matcher: matcherName, current: matcher.threshold, points, chosen: within.length === 0 ? null : Math.max(...within.map((p) => p.threshold)) };
}
