import { VideoMatchError } from './errors.ts';

/**
 * The reference's match rule for two videos (ThreatExchange vPDQ): query Q
 * matches candidate C when at least `candidateShare` percent of C's unique
 * usable frames have a frame of Q within distance (Pc, default 80: how much
 * of the known video is present) and at least `queryShare` percent of Q's
 * unique usable frames have a frame of C within distance (Pq, default 0: how
 * much of the upload is known material; 0 lets a long upload that contains
 * the known video match).
 */
export interface VideoMatchRule {
  /** Pc: percent of the indicator's (C's) unique frames matched, 0..100. */
  readonly candidateShare: number;
  /** Pq: percent of the query's (Q's) unique frames matched, 0..100. */
  readonly queryShare: number;
}

export const DEFAULT_VIDEO_MATCH_RULE: VideoMatchRule = { candidateShare: 80, queryShare: 0 };

/** The rule with defaults filled in; VIDEO_BAD_OPTIONS for a share outside 0..100. */
export function videoMatchRule(options: Partial<VideoMatchRule> = {}): VideoMatchRule {
  const rule = { ...DEFAULT_VIDEO_MATCH_RULE, ...options };
  for (const [name, share] of Object.entries(rule)) {
    if (typeof share !== 'number' || !Number.isFinite(share) || share < 0 || share > 100) {
      throw new VideoMatchError('VIDEO_BAD_OPTIONS', `${name} is a percentage from 0 to 100`);
    }
  }
  return rule;
}

/** `matched / total >= percent / 100`, in integers where it can be, so 80% of 5 frames is exactly 4. */
export function reachesShare(matched: number, total: number, percent: number): boolean {
  return total > 0 && matched * 100 >= percent * total;
}

/**
 * Whether counts meet the rule. At least one frame must match (with Pc = 0
 * the reference's inequality alone would match every video held), and a
 * query or candidate with no usable frame never matches.
 */
export function meetsRule(counts: { candidateMatched: number; candidateFrames: number; queryMatched: number; queryFrames: number }, rule: VideoMatchRule): boolean {
  return counts.candidateMatched > 0 && reachesShare(counts.candidateMatched, counts.candidateFrames, rule.candidateShare) && reachesShare(counts.queryMatched, counts.queryFrames, rule.queryShare);
}
