/**
 * The bounds of one video run. Every run has all of them; callers narrow
 * them (the sidecar's maxVideoBytes and maxVideoSeconds), tests shrink them
 * to reach each refusal cheaply.
 */
export interface VideoLimits {
  /** Input bytes: a file over this is refused before decoding, a stream is cut off when it passes it. */
  readonly maxInputBytes: number;
  /** Seconds of video, declared (probe) or decoded (frame number / fps). */
  readonly maxDurationSec: number;
  /** Decoded frames, counted in the every-frame numbering. */
  readonly maxFrames: number;
  /** Pixels of one frame, checked before a frame buffer is allocated or ffmpeg decodes. */
  readonly maxPixels: number;
  /** Longest side of a frame. */
  readonly maxSide: number;
  /** Bytes of raw frames ffmpeg may send back over the whole run. */
  readonly maxOutputBytes: number;
  /** Wall-clock milliseconds for the whole run: spooling, probing and decoding. */
  readonly timeoutMs: number;
}

export const DEFAULT_VIDEO_LIMITS: VideoLimits = {
  maxInputBytes: 1024 * 1024 * 1024,
  maxDurationSec: 3 * 60 * 60,
  maxFrames: 3 * 60 * 60 * 60,
  // 4096 x 4096: DCI 4K and every phone format, with room to spare.
  maxPixels: 4096 * 4096,
  maxSide: 8192,
  maxOutputBytes: 256 * 1024 * 1024 * 1024,
  timeoutMs: 30 * 60 * 1000,
};

/** `limits` over the defaults; a value that is not a positive number keeps the default. */
export function videoLimits(limits: Partial<VideoLimits> = {}): VideoLimits {
  const pick = (key: keyof VideoLimits): number => {
    const value = limits[key];
    return typeof value === 'number' && value > 0 && !Number.isNaN(value) ? value : DEFAULT_VIDEO_LIMITS[key];
  };
  return {
    maxInputBytes: pick('maxInputBytes'),
    maxDurationSec: pick('maxDurationSec'),
    maxFrames: pick('maxFrames'),
    maxPixels: pick('maxPixels'),
    maxSide: pick('maxSide'),
    maxOutputBytes: pick('maxOutputBytes'),
    timeoutMs: pick('timeoutMs'),
  };
}
