/**
 * The video half of `hashfeed hash`: `--algo vpdq` hashes each file as a
 * video (shared/video: ffmpeg, bounded) and prints its frame list.
 *
 *   text:  the reference's lines, frameNumber,quality,pdqHex,timestamp
 *          (after a `# vpdq <path>` line when more than one file is hashed)
 *   json:  {"path","algorithm":"vpdq","durationSec","frames":[{"frame","quality","hash","timestamp"}]}
 *
 * md5 and sha256 asked for with it are of the file's bytes, as for images.
 */
import { readFile } from 'node:fs/promises';
import { md5Digest, sha256Digest } from '../../shared/hashing/index.ts';
import { formatVpdqLine, formatVpdqTimestamp, hashVideo } from '../../shared/video/index.ts';
import type { VpdqVideo } from '../../shared/video/index.ts';
import type { CommandIo } from '../command.ts';

/** Names of video files when walking folders with --algo vpdq. */
export const VIDEO_EXTENSIONS = /\.(mp4|m4v|mov|3gp|mkv|webm|avi|ts|mts|mpe?g|flv|ogv|wmv|asf|y4m)$/i;

export interface HashedVideo {
  readonly video: VpdqVideo;
  /** md5/sha256 of the file, in the order asked. */
  readonly exact: readonly { readonly algorithm: 'md5' | 'sha256'; readonly hash: Uint8Array }[];
}

export async function hashVideoFile(path: string, secondsPerHash: number, exact: readonly ('md5' | 'sha256')[], maxFileBytes: number): Promise<HashedVideo> {
  const video = await hashVideo({ path }, { secondsPerHash, limits: { maxInputBytes: maxFileBytes } });
  if (exact.length === 0) return { video, exact: [] };
  // hashVideo has already refused a file over maxFileBytes.
  const bytes = await readFile(path);
  return { video, exact: exact.map((algorithm) => ({ algorithm, hash: algorithm === 'md5' ? md5Digest(bytes) : sha256Digest(bytes) })) };
}

export function printVideo(path: string, video: VpdqVideo, json: boolean, several: boolean, io: CommandIo): void {
  if (json) {
    const frames = video.frames.map((f) => ({ frame: f.frame, quality: f.quality, hash: f.hash, timestamp: Number(formatVpdqTimestamp(f.timestamp)) }));
    io.stdout.write(`${JSON.stringify({ path, algorithm: 'vpdq', durationSec: Number(video.durationSec.toFixed(3)), frames })}\n`);
    return;
  }
  if (several) io.stdout.write(`# vpdq ${path}\n`);
  for (const frame of video.frames) io.stdout.write(`${formatVpdqLine(frame)}\n`);
}
