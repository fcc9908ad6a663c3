/**
 * Video decoding through Debian's ffmpeg, as a bounded stream of RGB
 * frames. `openVideo` takes a file path or a byte stream (spooled to a
 * private file: spool.ts says why), probes it (probe.ts) and checks the
 * declared size, duration and frame count against the limits before
 * anything is decoded; `frames()` then runs ffmpeg and yields raw RGB24
 * frames read off its stdout in exact frame-sized pieces, pulling only as
 * fast as the caller consumes (the pipe's back-pressure holds ffmpeg).
 *
 * Pixels follow vPDQ's reference (ThreatExchange vpdq, ffmpegwrapper.cpp):
 * every frame at its own size, converted to RGB24 by libswscale with the
 * area filter (and C-exact rounding) and the default (BT.601) coefficients, frames numbered in the
 * order the decoder returns them, none dropped or duplicated
 * (`-fps_mode passthrough`). docs/VIDEO.md lists what is and is not
 * bit-exact across ffmpeg versions.
 */
import { stat } from 'node:fs/promises';
import { VideoError } from './video-error.ts';
import { inputArgs } from './input-args.ts';
import { videoLimits } from './limits.ts';
import type { VideoLimits } from './limits.ts';
import { probeVideo } from './probe.ts';
import type { VideoInfo } from './probe.ts';
import { spoolToFile } from './spool.ts';
import { ToolProcess } from './tool-process.ts';
import type { ToolRunOptions } from './tool-process.ts';

export type VideoSource = { readonly path: string } | { readonly stream: AsyncIterable<Uint8Array> };

export interface VideoDecoderOptions {
  /** The ffmpeg binary; default `ffmpeg` on the PATH (Debian: /usr/bin/ffmpeg). */
  readonly ffmpegPath?: string | undefined;
  /** The ffprobe binary; default `ffprobe` on the PATH. */
  readonly ffprobePath?: string | undefined;
  readonly limits?: Partial<VideoLimits> | undefined;
  /** Decoder threads in ffmpeg (default 1: one core per video, so video work cannot starve the host). */
  readonly threads?: number | undefined;
  /** Where a streamed input is spooled; default the system temporary directory. */
  readonly tempDir?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Called with each child process started (tests check none survives). */
  readonly onChild?: ToolRunOptions['onChild'];
}

/** One decoded frame, RGB24 row-major without padding. */
export interface VideoFrame {
  /** Position in the every-frame numbering (0, 1, 2... as the decoder returns frames), whatever the step. */
  readonly index: number;
  readonly width: number;
  readonly height: number;
  /**
   * width * height * 3 bytes. The buffer is reused for the next frame:
   * valid until the next one is requested; copy it to keep it.
   */
  readonly data: Uint8Array;
}

export interface OpenedVideo {
  readonly info: VideoInfo;
  readonly limits: VideoLimits;
  /**
   * Decodes and yields every `step`-th frame, indices 0, step, 2 * step...
   * (ffmpeg's select filter skips the others after decoding, so they cost no
   * colour conversion and no pipe traffic). Each call is one ffmpeg run;
   * leaving the loop early kills it.
   */
  frames(step?: number): AsyncGenerator<VideoFrame, void, undefined>;
  /** Removes the spooled input, if any. Call it in a finally. */
  close(): Promise<void>;
}

/** Opens a video for decoding; see the module comment. Call `close()` on the result. */
export async function openVideo(source: VideoSource, options: VideoDecoderOptions = {}): Promise<OpenedVideo> {
  const limits = videoLimits(options.limits);
  const deadline = Date.now() + limits.timeoutMs;
  let path: string;
  let remove = async (): Promise<void> => {};
  if ('path' in source) {
    const { size } = await statInput(source.path);
    if (size > limits.maxInputBytes) throw new VideoError('VIDEO_TOO_LARGE', `the video is ${size} bytes, over the limit of ${limits.maxInputBytes}`);
    if (size === 0) throw new VideoError('VIDEO_UNREADABLE', 'the file is empty');
    path = source.path;
  } else {
    const spooled = await spoolToFile(source.stream, { maxBytes: limits.maxInputBytes, tempDir: options.tempDir, signal: options.signal, deadline });
    if (spooled.bytes === 0) {
      await spooled.remove();
      throw new VideoError('VIDEO_UNREADABLE', 'the video is empty');
    }
    path = spooled.path;
    remove = spooled.remove;
  }
  try {
    const info = await probeVideo(path, {
      ffprobePath: options.ffprobePath ?? 'ffprobe',
      maxAllocBytes: maxAllocFor(limits.maxPixels),
      timeoutMs: deadline - Date.now(),
      signal: options.signal,
      onChild: options.onChild,
    });
    checkDeclared(info, limits);
    return {
      info,
      limits,
      frames: (step = 1) => decodeFrames(path, info, limits, deadline, Math.max(1, Math.trunc(step)), options),
      close: remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

async function statInput(path: string): Promise<{ size: number }> {
  const stats = await stat(path);
  if (!stats.isFile()) throw new VideoError('VIDEO_UNREADABLE', 'not a regular file');
  return stats;
}

/** The refusals that need no decoding: what the container declares. */
function checkDeclared(info: VideoInfo, limits: VideoLimits): void {
  if (info.width > limits.maxSide || info.height > limits.maxSide || info.width * info.height > limits.maxPixels) {
    throw new VideoError('VIDEO_BAD_DIMENSIONS', `frames of ${info.width}x${info.height} are over the limit (${limits.maxPixels} pixels, ${limits.maxSide} a side)`);
  }
  if (info.durationSec !== undefined && info.durationSec > limits.maxDurationSec) {
    throw new VideoError('VIDEO_TOO_LONG', `the video lasts ${Math.round(info.durationSec)} s, over the limit of ${limits.maxDurationSec} s`);
  }
  if (info.frameCount !== undefined && info.frameCount > limits.maxFrames) {
    throw new VideoError('VIDEO_FRAME_BUDGET', `the video declares ${info.frameCount} frames, over the limit of ${limits.maxFrames}`);
  }
}

/** ffmpeg's -max_alloc: a few frames' worth, so that a header lying about its size cannot make it allocate gigabytes. */
function maxAllocFor(pixels: number): number {
  return 4 * pixels + 32 * 1024 * 1024;
}

async function* decodeFrames(
  path: string,
  info: VideoInfo,
  limits: VideoLimits,
  deadline: number,
  step: number,
  options: VideoDecoderOptions,
): AsyncGenerator<VideoFrame, void, undefined> {
  const { width, height } = info;
  const frameBytes = width * height * 3;
  const expectedOutput = info.frameCount === undefined ? 0 : Math.ceil(info.frameCount / step) * frameBytes;
  if (expectedOutput > limits.maxOutputBytes) {
    throw new VideoError('VIDEO_FRAME_BUDGET', `decoding would produce ${expectedOutput} bytes of frames, over the limit of ${limits.maxOutputBytes}`);
  }
  const filters = [
    ...(step > 1 ? [`select=not(mod(n\\,${step}))`] : []),
    // The declared size, so that a stream changing size midway cannot change the frame size on the pipe.
    // accurate_rnd: libswscale's C rounding, the same on every CPU (its x86 SIMD paths round differently);
    // bt601: the coefficients the reference's sws_getContext uses whatever the stream's tags (docs/VIDEO.md).
    `scale=w=${width}:h=${height}:flags=area+accurate_rnd:in_color_matrix=bt601`,
    'format=rgb24',
  ];
  const args = [
    '-nostdin', '-hide_banner', '-loglevel', 'error',
    // A decoding error ends the run (as it does the reference's): a truncated file is an error, not a shorter video.
    '-xerror',
    '-max_alloc', String(maxAllocFor(width * height)),
    '-filter_threads', '1',
    '-threads', String(Math.max(1, Math.trunc(options.threads ?? 1))),
    ...inputArgs(path),
    '-map', '0:V:0', '-an', '-sn', '-dn',
    '-fps_mode', 'passthrough',
    '-vf', filters.join(','),
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
  const run = await ToolProcess.start('ffmpeg', options.ffmpegPath ?? 'ffmpeg', args, {
    timeoutMs: deadline - Date.now(),
    signal: options.signal,
    onChild: options.onChild,
  });
  try {
    const frame = new Uint8Array(frameBytes);
    let filled = 0;
    let returned = 0;
    for await (const chunk of run.stdout) {
      if (!(chunk instanceof Uint8Array)) continue;
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled < frameBytes) break;
        filled = 0;
        const index = returned * step;
        returned++;
        checkDecoded(index, returned, frameBytes, info, limits);
        yield { index, width, height, data: frame };
      }
    }
    const exit = await run.exit();
    const interrupted = run.interruption();
    if (interrupted !== undefined) throw interrupted;
    if (exit.code !== 0) throw new VideoError('VIDEO_UNREADABLE', `the video could not be decoded (${run.failureReason(exit)})`);
    if (filled !== 0) throw new VideoError('VIDEO_UNREADABLE', 'ffmpeg ended in the middle of a frame');
    if (returned === 0) throw new VideoError('VIDEO_UNREADABLE', 'the video has no decodable frame');
  } catch (error) {
    // A kill by the clock or the caller shows up as a short or failed run: report the reason, not the symptom.
    throw run.interruption() ?? error;
  } finally {
    await run.stop();
  }
}

/** The caps a decoded stream can pass although its header did not say so (a bomb). */
function checkDecoded(index: number, returned: number, frameBytes: number, info: VideoInfo, limits: VideoLimits): void {
  if (index >= limits.maxFrames) throw new VideoError('VIDEO_FRAME_BUDGET', `the video has more than ${limits.maxFrames} frames`);
  if (index / info.fps > limits.maxDurationSec) throw new VideoError('VIDEO_TOO_LONG', `the video runs past the limit of ${limits.maxDurationSec} s`);
  if (returned * frameBytes > limits.maxOutputBytes) throw new VideoError('VIDEO_FRAME_BUDGET', `decoding passed the limit of ${limits.maxOutputBytes} bytes of frames`);
}
