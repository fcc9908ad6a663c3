/**
 * dHash64: a 64-bit gradient hash, defined in docs/HASHING.md.
 *
 * 1. Luma as PDQ computes it (luma.ts).
 * 2. Area-average to 8 rows x 9 columns (area-average.ts).
 * 3. Bit i = r * 8 + c (r, c = 0..7) is set when A[r][c + 1] > A[r][c]:
 *    brightness rises to the right. Bit 0 is the most significant bit of the
 *    first byte (the hex string reads the rows top to bottom).
 */
import { areaAverage } from './area-average.ts';
import type { LumaImage } from './luma.ts';

export const DHASH_BITS = 64;

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
