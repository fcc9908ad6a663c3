/**
 * The reference's rule for whether two vPDQ frame lists are the same video
 * (ThreatExchange vpdq matchTwoHash; ../shared/REFERENCE.md), as a small
 * pure function: the oracle the indexed matcher is held to, and what the
 * conformance test applies to each sample video.
 *
 * 1. Frames of quality below the floor (50) are dropped.
 * 2. Identical hashes are deduplicated, on each side.
 * 3. A unique frame is matched when some unique frame of the other list is
 *    within distance D (31). The reference's C++ compares `< D` and its
 *    Python `<= D`; this takes `<=`, as every PDQ threshold in hashfeed does.
 * 4. The query Q matches the candidate C when the matched share of C's
 *    unique frames is >= Pc (80%) and the matched share of Q's is >= Pq (0%).
 *    Pc is the indicator's side: most of the known video must be in the
 *    upload. Pq 0 lets a long upload that contains the clip match.
 * A side with no frame left after step 1 matches nothing.
 */
import { hammingDistance, parseHex } from '../hashing/bits.ts';
import { vpdqVideo } from '../hashing/registry.ts';

/** What the rule reads of a frame: its PDQ hash (hex) and quality. */
export interface RuleFrame {
  readonly hash: string;
  readonly quality: number;
}

export interface VpdqMatchRule {
  /** D: frames match at distance <= this. */
  readonly frameThreshold: number;
  readonly qualityFloor: number;
  /** Pc, 0 to 1. */
  readonly candidateShare: number;
  /** Pq, 0 to 1. */
  readonly queryShare: number;
}

export const DEFAULT_VPDQ_MATCH_RULE: VpdqMatchRule = {
  frameThreshold: vpdqVideo.defaultFrameThreshold,
  qualityFloor: vpdqVideo.qualityFloor,
  candidateShare: vpdqVideo.defaultCandidateShare,
  queryShare: vpdqVideo.defaultQueryShare,
};

export interface FrameListComparison {
  /** Unique frames of quality >= floor, per side. */
  readonly queryFrames: number;
  readonly candidateFrames: number;
  /** Shares (0 to 1) of each side's unique frames matched by some frame of the other. */
  readonly queryMatchedShare: number;
  readonly candidateMatchedShare: number;
  /** The rule's verdict: both shares reach their thresholds. */
  readonly matches: boolean;
}

export function compareFrameLists(
  query: readonly RuleFrame[],
  candidate: readonly RuleFrame[],
  rule: VpdqMatchRule = DEFAULT_VPDQ_MATCH_RULE,
): FrameListComparison {
  const q = uniqueHashes(query, rule.qualityFloor);
  const c = uniqueHashes(candidate, rule.qualityFloor);
  const matchedIn = (side: readonly Uint8Array[], other: readonly Uint8Array[]): number =>
    side.filter((a) => other.some((b) => hammingDistance(a, b) <= rule.frameThreshold)).length;
  const queryMatchedShare = q.length === 0 ? 0 : matchedIn(q, c) / q.length;
  const candidateMatchedShare = c.length === 0 ? 0 : matchedIn(c, q) / c.length;
  return {
    queryFrames: q.length,
    candidateFrames: c.length,
    queryMatchedShare,
    candidateMatchedShare,
    matches: q.length > 0 && c.length > 0 && candidateMatchedShare >= rule.candidateShare && queryMatchedShare >= rule.queryShare,
  };
}

function uniqueHashes(frames: readonly RuleFrame[], qualityFloor: number): Uint8Array[] {
  const seen = new Map<string, Uint8Array>();
  for (const frame of frames) {
    if (frame.quality < qualityFloor) continue;
    const hex = frame.hash.toLowerCase();
    if (!seen.has(hex)) seen.set(hex, parseHex(hex, 256, 'vpdq frame hash'));
  }
  return [...seen.values()];
}
