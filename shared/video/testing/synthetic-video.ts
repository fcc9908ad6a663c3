/**
 * Synthetic test videos made by ffmpeg from its own test patterns (lavfi
 * testsrc2, colour fills): no real footage. Each call is one bounded ffmpeg
 * run; the caller owns the folder and removes it.
 */
import { execFileSync } from 'node:child_process';
import { videoToolsInstalled } from '../tools-installed.ts';

export interface SyntheticVideo {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly seconds: number;
  /** lavfi source, default testsrc2 (moving, textured: PDQ quality 100). */
  readonly source?: 'testsrc2' | 'color';
  /** Encoder arguments, default H.264 yuv420p. */
  readonly codec?: readonly string[];
  /** Extra output arguments (container flags), e.g. ['-movflags', '+faststart']. */
  readonly output?: readonly string[];
}

export function makeVideo(path: string, video: SyntheticVideo): void {
  const size = `${video.width}x${video.height}`;
  const input = video.source === 'color' ? `color=c=gray:size=${size}:rate=${video.fps}:duration=${video.seconds}` : `testsrc2=size=${size}:rate=${video.fps}:duration=${video.seconds}`;
  const codec = video.codec ?? ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', input, ...codec, ...(video.output ?? []), path], { timeout: 60_000, stdio: 'ignore' });
}

/** An audio-only file: a container without a video stream. */
export function makeAudioOnly(path: string): void {
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', path], { timeout: 60_000, stdio: 'ignore' });
}

/** An audio file with cover art: its only video stream is an attached picture, not a video. */
export function makeAudioWithCover(path: string): void {
  execFileSync(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=duration=1', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=1:duration=1',
      '-map', '0:a', '-map', '1:v', '-c:a', 'aac', '-c:v', 'png', '-frames:v', '1', '-disposition:v:0', 'attached_pic', path],
    { timeout: 60_000, stdio: 'ignore' },
  );
}

/** Whether Debian's ffmpeg and ffprobe are on the PATH. */
export { videoToolsInstalled as ffmpegInstalled } from '../tools-installed.ts';

/**
 * For tests that need ffmpeg: true where it is installed; where it is not,
 * false with a message, except under CI (which installs it), where that is a
 * failure.
 */
export function requireFfmpeg(): boolean {
  if (videoToolsInstalled()) return true;
  if (process.env.CI === 'true') throw new Error('ffmpeg/ffprobe not installed; .ci/run installs them');
  console.warn('skipping: ffmpeg/ffprobe not installed (apt-get install ffmpeg)');
  return false;
}

/** Whether process `pid` still exists (signal 0 probes without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !(error instanceof Error && 'code' in error && error.code === 'ESRCH');
  }
}
