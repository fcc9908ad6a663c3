/**
 * Derived synthetic videos for tests, the demo and bench:accuracy: a
 * re-encoded, resized, letterboxed, greyscale... copy of a synthetic
 * video, and distinct synthetic sources. Each call is one bounded ffmpeg
 * run; the caller owns the folder and removes it. No real footage.
 */
import { execFileSync } from 'node:child_process';

export interface VideoTransform {
  /** An ffmpeg filter graph for the video (-vf), e.g. 'scale=288:216,pad=320:240:16:12:black'. */
  readonly filters?: string;
  /** H.264 constant rate factor of the copy: higher is lower quality (default 28). */
  readonly crf?: number;
  /** A target bitrate instead of a quality (e.g. '100k'). */
  readonly bitrate?: string;
  /** Input options, before -i (e.g. ['-ss', '1']). */
  readonly input?: readonly string[];
  /** Output options, after the codec (e.g. ['-t', '2']). */
  readonly output?: readonly string[];
}

/** A copy of `input` through `transform`, H.264 in MP4. */
export function transformVideo(input: string, output: string, transform: VideoTransform = {}): void {
  execFileSync(
    'ffmpeg',
    [
      '-nostdin', '-v', 'error', '-y', ...(transform.input ?? []), '-i', input,
      ...(transform.filters === undefined ? [] : ['-vf', transform.filters]),
      '-an', '-c:v', 'libx264', '-preset', 'ultrafast', ...(transform.bitrate === undefined ? ['-crf', String(transform.crf ?? 28)] : ['-b:v', transform.bitrate]), '-pix_fmt', 'yuv420p',
      ...(transform.output ?? []), output,
    ],
    { timeout: 120_000, stdio: 'ignore' },
  );
}

/** A video of a lavfi source (e.g. `mandelbrot=size=320x240:rate=10`), `seconds` long, H.264 in MP4. */
export function makeSourceVideo(path: string, source: string, seconds: number): void {
  execFileSync(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path],
    { timeout: 120_000, stdio: 'ignore' },
  );
}
