import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { repairTruncatedInterlacedPng } from './truncated-png.ts';

const LIMIT = 100_000_000;
const gradient = (progressive: boolean): Promise<Buffer> =>
  sharp(Buffer.alloc(64 * 48 * 3).map((_, i) => (i * 7) % 251), { raw: { width: 64, height: 48, channels: 3 } }).png({ progressive, compressionLevel: 0 }).toBuffer();

describe('repairTruncatedInterlacedPng', () => {
  describe('when the bytes are no cut-off interlaced PNG', () => {
    it('gives undefined for a complete one, a non-interlaced one, other bytes, and one over the pixel limit', async () => {
      const interlaced = await gradient(true);
      expect(await repairTruncatedInterlacedPng(interlaced, LIMIT)).toBeUndefined();
      const plain = await gradient(false);
      expect(await repairTruncatedInterlacedPng(plain.subarray(0, plain.length >> 1), LIMIT)).toBeUndefined();
      expect(await repairTruncatedInterlacedPng(new TextEncoder().encode('not a PNG, only some text'), LIMIT)).toBeUndefined();
      expect(await repairTruncatedInterlacedPng(interlaced.subarray(0, interlaced.length >> 1), 64 * 48 - 1)).toBeUndefined();
    });
  });

  describe('when one is cut off', () => {
    it('completes it, with the grid its complete passes cover (finer the more arrived)', async () => {
      const png = await gradient(true);
      const grids = [];
      for (const fraction of [0.2, 0.5, 0.9]) {
        const repaired = await repairTruncatedInterlacedPng(png.subarray(0, Math.floor(png.length * fraction)), LIMIT);
        grids.push(repaired === undefined ? undefined : [repaired.rowStep, repaired.colStep]);
      }
      // Uncompressed: pass 7 is half the data, pass 6 a quarter, passes 1 to 5 the rest (headers aside).
      expect(grids).toEqual([[4, 2], [2, 2], [2, 1]]);
    });

    it('gives a PNG that decodes whole', async () => {
      const png = await gradient(true);
      const repaired = await repairTruncatedInterlacedPng(png.subarray(0, png.length >> 1), LIMIT);
      const { info } = await sharp(repaired?.png).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([64, 48]);
    });
  });
});
