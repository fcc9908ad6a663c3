import { hammingDistance } from '../hashing/bits.ts';
import { usableUniqueFrames, VPDQ_FRAME_DISTANCE, type VideoFrame } from './frames.ts';
import { meetsRule, videoMatchRule, type VideoMatchRule } from './rule.ts';

/** What comparing two frame lists gives: the counts behind both shares, and the verdict under the rule. */
export interface FrameListComparison {
  readonly queryFrames: number;
  readonly queryMatched: number;
  readonly candidateFrames: number;
  readonly candidateMatched: number;
  readonly matches: boolean;
}

/**
 * The reference's brute-force comparison of two videos, quadratic and
 * obviously right: the oracle the indexed matcher is tested against. Both
 * lists lose frames under the quality floor and duplicate hashes; a frame
 * matches when some frame of the other list is within `distance`
 * (inclusive).
 */
export function compareFrameLists(query: readonly VideoFrame[], candidate: readonly VideoFrame[], options: Partial<VideoMatchRule> & { readonly distance?: number } = {}): FrameListComparison {
  const { distance = VPDQ_FRAME_DISTANCE, ...shares } = options;
  const q = usableUniqueFrames(query).map((u) => u.hash);
  const c = usableUniqueFrames(candidate).map((u) => u.hash);
  const near = (a: Uint8Array, list: readonly Uint8Array[]): boolean => list.some((b) => hammingDistance(a, b) <= distance);
  const counts = {
    queryFrames: q.length,
    queryMatched: q.filter((h) => near(h, c)).length,
    candidateFrames: c.length,
    candidateMatched: c.filter((h) => near(h, q)).length,
  };
  return { ...counts, matches: meetsRule(counts, videoMatchRule(shares)) };
}
