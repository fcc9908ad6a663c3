import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { closeTruncatedGif } from './truncated-gif.ts';

const gradient = async (): Promise<Buffer> => {
  const pixels = Buffer.alloc(64 * 48 * 3).map((_, i) => (i * 7) % 251);
  return sharp(pixels, { raw: { width: 64, height: 48, channels: 3 } }).gif().toBuffer();
};

describe('closeTruncatedGif', () => {
  describe('when the bytes are no cut-off GIF', () => {
    it('gives undefined for a complete GIF, other bytes, and a GIF cut inside its header', async () => {
      const gif = await gradient();
      expect(await closeTruncatedGif(gif)).toBeUndefined();
      expect(await closeTruncatedGif(new TextEncoder().encode('not a GIF, only text'))).toBeUndefined();
      expect(await closeTruncatedGif(gif.subarray(0, 12))).toBeUndefined();
    });
  });

  describe('when a GIF is cut inside its image data', () => {
    it.each([0.5, 0.8, 0.99])('closes it so that the decoder reads it whole (cut at %d)', async (fraction) => {
      const gif = await gradient();
      const cut = gif.subarray(0, Math.floor(gif.length * fraction));
      await expect(sharp(cut).metadata()).rejects.toThrow();
      const closed = await closeTruncatedGif(cut);
      expect(Buffer.from(closed?.subarray(0, cut.length) ?? []).equals(cut)).toBe(true);
      const { info } = await sharp(closed, { failOn: 'none' }).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([64, 48]);
    });
  });
});
