/**
 * pHash64: a 64-bit DCT hash, defined in docs/HASHING.md.
 *
 * 1. Luma as PDQ computes it (luma.ts).
 * 2. Area-average to 32 x 32 (area-average.ts), less the grid's mean (which
 *    leaves the coefficients below unchanged, and makes a flat image's
 *    exactly zero rather than rounding noise).
 * 3. DCT-II of that grid, unnormalised:
 *    C[u][v] = sum_y sum_x A[y][x] cos(pi (2y + 1) u / 64) cos(pi (2x + 1) v / 64),
 *    for u, v = 1..8: the DC row and column are skipped, as PDQ skips them,
 *    so all 64 bits carry image structure.
 * 4. m = the mean of the 32nd and 33rd smallest of the 64 values (a flat
 *    image: all zero, no bit set).
 * 5. Bit i = (u - 1) * 8 + (v - 1) is set when C[u][v] > m; bit 0 is the most
 *    significant bit of the first byte (the hex string reads u, v in order).
 */
import { areaAverage } from './area-average.ts';
import type { LumaImage } from './luma.ts';

export const PHASH_BITS = 64;

const GRID = 32;
const BAND = 8;

// COS[k][j] = cos(pi (2j + 1) (k + 1) / 64), k = 0..7, j = 0..31.
const COS = new Float64Array(BAND * GRID);
for (let k = 0; k < BAND; k++) {
  for (let j = 0; j < GRID; j++) COS[k * GRID + j] = Math.cos((Math.PI * (2 * j + 1) * (k + 1)) / (2 * GRID));
}

/** The 8 canonical bytes of the pHash64 of a luma image. */
export function phash64FromLuma(luma: LumaImage): Uint8Array {
  const a = areaAverage(luma, GRID, GRID);
  const mean = a.reduce((sum, v) => sum + v, 0) / a.length;
  for (let i = 0; i < a.length; i++) a[i]! -= mean;
  // t = COS * a (8 x 32), then c = t * COS^T (8 x 8).
  const t = new Float64Array(BAND * GRID);
  for (let u = 0; u < BAND; u++) {
    for (let x = 0; x < GRID; x++) {
      let sum = 0;
      for (let y = 0; y < GRID; y++) sum += COS[u * GRID + y]! * a[y * GRID + x]!;
      t[u * GRID + x] = sum;
    }
  }
  const c = new Float64Array(BAND * BAND);
  for (let u = 0; u < BAND; u++) {
    for (let v = 0; v < BAND; v++) {
      let sum = 0;
      for (let x = 0; x < GRID; x++) sum += t[u * GRID + x]! * COS[v * GRID + x]!;
      c[u * BAND + v] = sum;
    }
  }
  const sorted = Float64Array.from(c).sort();
  const median = (sorted[31]! + sorted[32]!) / 2;
  const out = new Uint8Array(8);
  for (let i = 0; i < 64; i++) if (c[i]! > median) out[i >> 3]! |= 0x80 >> (i & 7);
  return out;
}
