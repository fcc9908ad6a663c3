/**
 * dHash64: a 64-bit gradient hash, defined in docs/HASHING.md.
 *
 * 1. Luma as PDQ computes it (luma.ts).
 * 2. Area-average to 8 rows x 9 columns (area-average.ts).
 * 3. Bit i = r * 8 + c (r, c = 0..7) is set when A[r][c + 1] > A[r][c]:
 *    brightness rises to the right. Bit 0 is the most significant bit of the
 *    first byte (the hex string reads the rows top to bottom).
 *
 * Quality (0 to 100): PDQ's measure of detail (pdq.ts, after the reference's
 * pdqImageDomainQualityMetric) on a 32x32 area average of the luma: every
 * horizontal and vertical step between neighbouring cells, as a whole
 * percentage of full scale (steps under 2.55 grey levels count 0), summed,
 * divided by 22 and capped at 100. A near-flat picture or a soft ramp scores
 * near 0; its 64 bits are then set by a faint gradient that many unrelated
 * pictures share, and they collide (docs/HASHING.md, "dHash64 quality").
 */
import { areaAverage } from './area-average.ts';
import type { LumaImage } from './luma.ts';

export const DHASH_BITS = 64;

/** Side of the grid the quality is measured on, and the divisor that puts its step sum on PDQ's 0 to 100 scale (chosen by measurement: docs/HASHING.md). */
const QUALITY_GRID = 32;
const QUALITY_DIVISOR = 22;

/** The 8 canonical bytes of the dHash64 of a luma image. */
export function dhash64FromLuma(luma: LumaImage): Uint8Array {
  const a = areaAverage(luma, 8, 9);
  const out = new Uint8Array(8);
  for (let r = 0; r < 8; r++) {
    for (let c = 0; c < 8; c++) {
      if (a[r * 9 + c + 1]! > a[r * 9 + c]!) out[r]! |= 0x80 >> c;
    }
  }
  return out;
}

/** dHash64's quality of a luma image, 0 to 100 (see the top of this file). */
export function dhash64QualityFromLuma(luma: LumaImage): number {
  const g = QUALITY_GRID;
  const a = areaAverage(luma, g, g);
  let steps = 0;
  for (let r = 0; r < g; r++) {
    for (let c = 0; c < g; c++) {
      const v = a[r * g + c]!;
      if (r + 1 < g) steps += Math.trunc((Math.abs(v - a[(r + 1) * g + c]!) * 100) / 255);
      if (c + 1 < g) steps += Math.trunc((Math.abs(v - a[r * g + c + 1]!) * 100) / 255);
    }
  }
  return Math.min(Math.trunc(steps / QUALITY_DIVISOR), 100);
}
