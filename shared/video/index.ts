/**
 * Video: bounded decoding through ffmpeg and vPDQ frame hashing (the match
 * rule is shared/video-match's). docs/VIDEO.md defines them.
 */
export { VideoError } from './video-error.ts';
export type { VideoErrorCode } from './video-error.ts';

export { DEFAULT_VIDEO_LIMITS, videoLimits } from './limits.ts';
export type { VideoLimits } from './limits.ts';

export { openVideo } from './decode.ts';
export type { OpenedVideo, VideoDecoderOptions, VideoFrame, VideoSource } from './decode.ts';
export type { VideoInfo } from './probe.ts';

export { DEFAULT_SECONDS_PER_HASH, formatVpdqLine, formatVpdqTimestamp, hashVideo, vpdqFrameMod, vpdqFrames, vpdqTimestamp } from './vpdq.ts';
export type { VpdqFrame, VpdqOptions, VpdqVideo } from './vpdq.ts';
