import type { MatchFacts } from './build.ts';

/** One indicator a scan matched (the scanner's MatchItem has these and more). */
export interface ScanMatch {
  readonly indicatorId: number;
  readonly algorithm: string;
  readonly distance: number;
}

/**
 * What one report says about a scan's matches: the closest match's
 * algorithm and distance, and the indicators matched under that algorithm
 * only. A report's ids and distance are on one algorithm's scale, and the
 * Centre refuses an id of another algorithm (REPORT_UNKNOWN_INDICATOR): an
 * identical file matches by PDQ and by MD5, and both ids in one report
 * would have it refused. Undefined when nothing matched. Ties go to the
 * earlier match, as the scanner lists them.
 */
export function matchFactsOf(matches: readonly ScanMatch[]): MatchFacts | undefined {
  let best: ScanMatch | undefined;
  for (const m of matches) if (best === undefined || m.distance < best.distance) best = m;
  if (best === undefined) return undefined;
  const { algorithm } = best;
  return { algorithm, distance: best.distance, indicatorIds: [...new Set(matches.filter((m) => m.algorithm === algorithm).map((m) => m.indicatorId))] };
}
