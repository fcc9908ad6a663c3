/**
 * Whether Debian's ffmpeg and ffprobe can be run: the demo skips its video
 * part without them, bench:accuracy its video section, and tests skip (or,
 * under CI, fail). Video operations themselves find out on their own
 * (VIDEO_DECODER_MISSING, tool-process.ts).
 */
import { execFileSync } from 'node:child_process';

export function videoToolsInstalled(): boolean {
  try {
    execFileSync('ffmpeg', ['-version'], { timeout: 10_000, stdio: 'ignore' });
    execFileSync('ffprobe', ['-version'], { timeout: 10_000, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
