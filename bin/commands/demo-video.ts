/**
 * The demo's video part (npm start): a short synthetic video made with
 * ffmpeg at run time (its own test pattern, no footage), submitted as a
 * video indicator from its vPDQ frame list; among the uploads, a
 * re-encoded, letterboxed copy of it and an unrelated synthetic video.
 * Where ffmpeg is absent the demo goes on without it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readCentreConfig, writeCentreConfig } from '../../server/centre.ts';
import { framesOfValue, formatVideoValue, parseFrameList, videoIndicatorValue } from '../../shared/video-match/index.ts';
import { hashVideo } from '../../shared/video/index.ts';
import { ffmpegAvailable, makeSourceVideo, transformVideo } from '../../fixtures/index.ts';

export interface DemoVideos {
  /** The indicator's value as submitted: its unique frame hashes (PROTOCOL 8.1). */
  readonly indicator: string;
  /** Its frame hashes, which the sealed mirror must not show. */
  readonly frameHashes: readonly Uint8Array[];
  readonly frames: number;
  /** Uploads made in the work folder: [file name, path, surface, subject, expected to match]. */
  readonly uploads: readonly (readonly [string, string, string, string, boolean])[];
}

/** Upload file names sort after the pictures'. */
export const LETTERBOXED_VIDEO = '09-video-letterboxed.mp4';
export const UNRELATED_VIDEO = '10-video-unrelated.mp4';

/**
 * The Centre publishes video indicators only with `publishVideoIndicators`
 * (older sidecars stop at a group of an unknown algorithm): the demo's
 * sidecar knows vpdq, so its Centre turns it on. Call before it serves.
 */
export function enableVideoIndicators(centreDir: string): void {
  const config = readCentreConfig(centreDir);
  if (!config.publishVideoIndicators) writeCentreConfig(centreDir, { ...config, publishVideoIndicators: true });
}

/** Makes the videos under `workDir` (the caller removes it); undefined where ffmpeg is not installed. */
export async function prepareDemoVideos(workDir: string): Promise<DemoVideos | undefined> {
  if (!ffmpegAvailable()) return undefined;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const known = join(workDir, 'known.mp4');
  // Six seconds of ffmpeg's moving test pattern, 320x240 at 10 frames a second: six hashed frames at one a second.
  makeSourceVideo(known, 'testsrc2=size=320x240:rate=10', 6);
  // A re-upload as platforms see them: shrunk into black bars and re-encoded at a lower quality.
  transformVideo(known, join(workDir, LETTERBOXED_VIDEO), { filters: 'scale=288:216,pad=320:240:16:12:black', crf: 32 });
  makeSourceVideo(join(workDir, UNRELATED_VIDEO), 'mandelbrot=size=320x240:rate=10', 6);
  const hashed = await hashVideo({ path: known });
  const value = videoIndicatorValue(parseFrameList(hashed));
  // The demo keeps nothing of the indicator's video but its hashes.
  rmSync(known, { force: true });
  return {
    indicator: formatVideoValue(value),
    frameHashes: framesOfValue(value),
    frames: hashed.frames.length,
    uploads: [
      [LETTERBOXED_VIDEO, join(workDir, LETTERBOXED_VIDEO), 'public-uploads', 'user:alice', true],
      [UNRELATED_VIDEO, join(workDir, UNRELATED_VIDEO), 'public-uploads', 'user:bob', false],
    ],
  };
}
