/**
 * Video indicators (vPDQ frame lists): their canonical value, the
 * reference's match rule, the brute-force oracle and the indexed matcher
 * over the matching core. docs/MATCHING.md, "Video".
 */
export { VideoMatchError } from './errors.ts';
export type { VideoMatchCode } from './errors.ts';
export {
  formatVideoValue,
  framesOfValue,
  MAX_LISTED_FRAMES,
  MAX_VIDEO_FRAMES,
  parseFrameList,
  parseVideoValue,
  usableUniqueFrames,
  videoIndicatorValue,
  VPDQ_FRAME_BYTES,
  VPDQ_FRAME_DISTANCE,
  VPDQ_QUALITY_FLOOR,
} from './frames.ts';
export type { VideoFrame } from './frames.ts';
export { DEFAULT_VIDEO_MATCH_RULE, meetsRule, reachesShare, videoMatchRule } from './rule.ts';
export type { VideoMatchRule } from './rule.ts';
export { formatIndicatorHash } from './indicator-text.ts';
export { compareFrameLists } from './oracle.ts';
export type { FrameListComparison } from './oracle.ts';
export { MAX_MATCH_TIMESTAMPS, VideoIndex } from './video-index.ts';
export type { VideoIndexOptions, VideoMatch } from './video-index.ts';
