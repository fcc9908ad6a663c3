/**
 * The reference's sample hash files (../shared/vectors/vpdq/sample-hashes):
 * one line per frame, `frameNumber,quality,pdqHex,timestamp`.
 */
import { readFileSync } from 'node:fs';
import type { VpdqFrame } from '../vpdq.ts';

export function readReferenceHashes(path: string): VpdqFrame[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      const [frame, quality, hash, timestamp] = line.trim().split(',');
      if (frame === undefined || quality === undefined || hash === undefined || timestamp === undefined || !/^[0-9a-f]{64}$/.test(hash)) {
        throw new Error(`${path}: line ${i + 1} is not frameNumber,quality,hash,timestamp`);
      }
      return { frame: Number(frame), quality: Number(quality), hash, timestamp: Number(timestamp) };
    });
}

/** Hamming distance of two 64-digit hex hashes. */
export function hexDistance(a: string, b: string): number {
  let distance = 0;
  for (let k = 0; k < 64; k += 8) {
    let x = (parseInt(a.slice(k, k + 8), 16) ^ parseInt(b.slice(k, k + 8), 16)) >>> 0;
    for (; x !== 0; x &= x - 1) distance++;
  }
  return distance;
}
