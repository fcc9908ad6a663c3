/**
 * vPDQ, Meta's video hash as ThreatExchange's vpdq defines it
 * (../shared/REFERENCE.md; vpdq/cpp filehasher.cpp and hasher.h): decode
 * every frame, convert it at its own size to RGB24 (libswscale, area
 * filter), and PDQ-hash every frameMod-th frame with
 * frameMod = floor(secondsPerHash * fps), at least 1; secondsPerHash 0 hashes
 * every frame, as the reference's sample hashes were made. A hashed frame is
 * `frameNumber,quality,pdqHex,timestamp` with timestamp = frameNumber / fps
 * in float32, printed with 3 decimals.
 *
 * PDQ is the project's own, on the exact path (full-resolution float32 luma,
 * bit-exact with the reference's PDQ for identical pixels).
 */
import { formatHex } from '../hashing/bits.ts';
import { lumaFromPixels } from '../hashing/luma.ts';
import { pdqFromLuma } from '../hashing/pdq.ts';
import { openVideo } from './decode.ts';
import type { VideoDecoderOptions, VideoSource } from './decode.ts';
import type { VideoInfo } from './probe.ts';

/** One hashed frame, as the reference prints it. */
export interface VpdqFrame {
  /** Frame number in the every-frame numbering, from 0. */
  readonly frame: number;
  /** PDQ quality, 0 to 100. */
  readonly quality: number;
  /** PDQ hash, 64 lower-case hex digits. */
  readonly hash: string;
  /** Seconds: frame / fps in float32, as the reference computes it. */
  readonly timestamp: number;
}

export interface VpdqVideo {
  readonly algorithm: 'vpdq';
  /** Declared duration, else frames decoded / fps. */
  readonly durationSec: number;
  readonly info: VideoInfo;
  readonly secondsPerHash: number;
  readonly frameMod: number;
  readonly frames: readonly VpdqFrame[];
}

export interface VpdqOptions extends VideoDecoderOptions {
  /** Seconds between hashed frames (default 1); 0 hashes every frame. */
  readonly secondsPerHash?: number | undefined;
  /** Called after each hashed frame with the time spent, for benchmarks and progress. */
  readonly onFrame?: ((frame: VpdqFrame, hashMs: number) => void) | undefined;
}

export const DEFAULT_SECONDS_PER_HASH = 1;

/**
 * The reference's frameMod: trunc(secondsPerHash * fps) as a C++ int cast,
 * raised to 1 when that is 0 (secondsPerHash 0, or under one frame a second).
 */
export function vpdqFrameMod(secondsPerHash: number, fps: number): number {
  const mod = Math.trunc(secondsPerHash * fps);
  return Number.isSafeInteger(mod) && mod > 0 ? mod : 1;
}

/** frameNumber / fps as the reference's float32 division. */
export function vpdqTimestamp(frame: number, fps: number): number {
  return Math.fround(Math.fround(frame) / Math.fround(fps));
}

/** The reference's line: `frameNumber,quality,hash,timestamp` (printf "%.3f", ties to even). */
export function formatVpdqLine(frame: VpdqFrame): string {
  return `${frame.frame},${frame.quality},${frame.hash},${formatVpdqTimestamp(frame.timestamp)}`;
}

/**
 * printf's %.3f for a float32 value: the exact binary value rounded to
 * nearest, ties to even. toFixed rounds ties away from zero, and a float32
 * times 1000 is exact in float64, so a tie is seen exactly and corrected.
 */
export function formatVpdqTimestamp(value: number): string {
  const scaled = value * 1000;
  const floor = Math.floor(scaled);
  if (scaled - floor === 0.5 && floor % 2 === 0) return (floor / 1000).toFixed(3);
  return value.toFixed(3);
}

/**
 * Hashes frames as they are decoded and yields each vPDQ frame; the frame
 * list of a video is this, collected (hashVideo). The decoder is ffmpeg
 * (decode.ts), bounded by `options.limits`.
 */
export async function* vpdqFrames(source: VideoSource, options: VpdqOptions = {}): AsyncGenerator<VpdqFrame, VideoInfo, undefined> {
  const video = await openVideo(source, options);
  try {
    const frameMod = vpdqFrameMod(options.secondsPerHash ?? DEFAULT_SECONDS_PER_HASH, video.info.fps);
    const luma = new Float32Array(video.info.width * video.info.height);
    for await (const decoded of video.frames(frameMod)) {
      const started = performance.now();
      const { hash, quality } = pdqFromLuma(lumaFromPixels({ width: decoded.width, height: decoded.height, channels: 3, data: decoded.data }, luma));
      const frame = { frame: decoded.index, quality, hash: formatHex(hash), timestamp: vpdqTimestamp(decoded.index, video.info.fps) };
      options.onFrame?.(frame, performance.now() - started);
      yield frame;
    }
    return video.info;
  } finally {
    await video.close();
  }
}

/** The vPDQ frame list of a whole video. */
export async function hashVideo(source: VideoSource, options: VpdqOptions = {}): Promise<VpdqVideo> {
  const frames: VpdqFrame[] = [];
  const iterator = vpdqFrames(source, options);
  let step = await iterator.next();
  while (step.done !== true) {
    frames.push(step.value);
    step = await iterator.next();
  }
  const info = step.value;
  const secondsPerHash = options.secondsPerHash ?? DEFAULT_SECONDS_PER_HASH;
  const frameMod = vpdqFrameMod(secondsPerHash, info.fps);
  const decodedDuration = ((frames.at(-1)?.frame ?? 0) + 1) / info.fps;
  return { algorithm: 'vpdq', durationSec: info.durationSec ?? decodedDuration, info, secondsPerHash, frameMod, frames };
}
