/**
 * Stream facts of a video file from ffprobe, bounded: its own wall-clock
 * limit, a cap on the JSON it may print, the demuxers and protocols it may
 * use (format-allowlist.ts), and its JSON kept `unknown` until the guards
 * below accept it.
 */
import { VideoError } from './video-error.ts';
import { ToolProcess } from './tool-process.ts';
import type { ToolRunOptions } from './tool-process.ts';
import { inputArgs } from './input-args.ts';

/** What decoding needs to know before the first frame. */
export interface VideoInfo {
  /** Frame size as decoded (the coded size minus its padding: 1080, not 1088). */
  readonly width: number;
  readonly height: number;
  /** Frames per second: avg_frame_rate, else r_frame_rate (the reference's choice). */
  readonly fps: number;
  /** Declared duration in seconds (stream, else container); undefined when neither says. */
  readonly durationSec: number | undefined;
  /** Declared frame count; undefined when the container does not say. */
  readonly frameCount: number | undefined;
  /** ffprobe's codec name, e.g. h264. */
  readonly codec: string;
  /** ffprobe's demuxer name, e.g. mov,mp4,m4a,3gp,3g2,mj2. */
  readonly container: string;
}

/** ffprobe prints a few hundred bytes here; more is not a file we want. */
const MAX_PROBE_OUTPUT_BYTES = 64 * 1024;

export interface ProbeOptions extends ToolRunOptions {
  readonly ffprobePath: string;
  /** Largest single allocation ffprobe may make (its -max_alloc). */
  readonly maxAllocBytes: number;
}

export async function probeVideo(path: string, options: ProbeOptions): Promise<VideoInfo> {
  const args = [
    '-v', 'error', '-hide_banner',
    '-max_alloc', String(options.maxAllocBytes),
    ...inputArgs(path),
    // V, not v: video streams that are not attached pictures (cover art is a picture, not a video).
    '-select_streams', 'V:0',
    '-show_entries', 'stream=codec_name,width,height,avg_frame_rate,r_frame_rate,duration,nb_frames:format=format_name,duration',
    '-of', 'json',
  ];
  const run = await ToolProcess.start('ffprobe', options.ffprobePath, args, options);
  try {
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of run.stdout) {
      if (!(chunk instanceof Buffer)) continue;
      bytes += chunk.length;
      if (bytes > MAX_PROBE_OUTPUT_BYTES) throw new VideoError('VIDEO_UNREADABLE', 'ffprobe printed more than expected about this file');
      chunks.push(chunk);
    }
    const exit = await run.exit();
    const interrupted = run.interruption();
    if (interrupted !== undefined) throw interrupted;
    if (exit.code !== 0) throw new VideoError('VIDEO_UNREADABLE', `not a readable video (${run.failureReason(exit)})`);
    return parseProbe(parseJson(Buffer.concat(chunks).toString('utf8')));
  } finally {
    await run.stop();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new VideoError('VIDEO_UNREADABLE', 'ffprobe did not print JSON', { cause });
  }
}

/** Accepts ffprobe's JSON for the first video stream; exported for its tests. */
export function parseProbe(json: unknown): VideoInfo {
  if (!isRecord(json) || !isRecord(json.format)) throw new VideoError('VIDEO_UNREADABLE', 'not a readable video (no container found)');
  const streams = Array.isArray(json.streams) ? json.streams : [];
  const stream: unknown = streams[0];
  if (!isRecord(stream)) throw new VideoError('VIDEO_NO_VIDEO_STREAM', 'the file has no video stream');
  const { width, height } = stream;
  if (typeof width !== 'number' || typeof height !== 'number' || !Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new VideoError('VIDEO_BAD_DIMENSIONS', 'the video stream declares no usable frame size');
  }
  const fps = positiveRational(stream.avg_frame_rate) ?? positiveRational(stream.r_frame_rate);
  if (fps === undefined) throw new VideoError('VIDEO_UNREADABLE', 'the video stream declares no frame rate');
  const durationSec = positiveDecimal(stream.duration) ?? positiveDecimal(json.format.duration);
  const frameCount = positiveDecimal(stream.nb_frames);
  return {
    width,
    height,
    fps,
    durationSec,
    frameCount: frameCount === undefined || !Number.isSafeInteger(frameCount) ? undefined : frameCount,
    codec: typeof stream.codec_name === 'string' ? stream.codec_name.slice(0, 32) : 'unknown',
    container: typeof json.format.format_name === 'string' ? json.format.format_name.slice(0, 64) : 'unknown',
  };
}

/** "30000/1001" as a number; undefined for 0/0, negatives and junk. */
function positiveRational(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{1,10})\/(\d{1,10})$/.exec(value);
  if (match === null) return undefined;
  const num = Number(match[1]);
  const den = Number(match[2]);
  return num > 0 && den > 0 ? num / den : undefined;
}

function positiveDecimal(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,12}(\.\d{1,9})?$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
