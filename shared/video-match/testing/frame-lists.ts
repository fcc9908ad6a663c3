import { flipBits, uniformHashes } from '../../match/testing/synthetic.ts';
import type { VideoFrame } from '../frames.ts';

/** Synthetic frame lists for tests: random PDQ-sized hashes, never derived from real footage. */
export function randomFrames(count: number, next: () => number, quality = 90): VideoFrame[] {
  const hashes = uniformHashes(count, 32, next);
  return Array.from({ length: count }, (_, i) => ({ frame: i, quality, hash: hashes.slice(i * 32, i * 32 + 32), timestamp: i }));
}

/** A near-copy: every frame with `flips` bits changed (a re-encode), timestamps shifted by `offset` seconds. */
export function nearCopy(frames: readonly VideoFrame[], flips: number, next: () => number, offset = 0): VideoFrame[] {
  return frames.map((f) => ({ ...f, hash: flipBits(f.hash.slice(), flips, next), timestamp: f.timestamp + offset }));
}

/** The JSON shape the CLI prints for a frame (hash in hex). */
export function frameJson(f: VideoFrame): { frame: number; quality: number; hash: string; timestamp: number } {
  return { frame: f.frame, quality: f.quality, hash: Buffer.from(f.hash).toString('hex'), timestamp: f.timestamp };
}
