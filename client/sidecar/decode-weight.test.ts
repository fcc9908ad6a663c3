import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DecodeBudget } from './decode-budget.ts';
import { COMPOSITED_WEIGHT_FACTOR, decodeWeight, withDecodeBudget } from './decode-weight.ts';
import { buildApng } from '../../shared/hashing/testing/apng.ts';
import { craftedPng } from './testing/crafted-png.ts';

const MAX_FRAMES = 16;
const LIMIT = { maxPixels: 100_000_000, maxFrames: MAX_FRAMES };
const solid = (width: number, height: number): Promise<Buffer> => sharp({ create: { width, height, channels: 3, background: '#336699' } }).png().toBuffer();

async function animation(frames: number): Promise<Buffer> {
  const frame = (i: number): Promise<Buffer> => sharp({ create: { width: 40, height: 30, channels: 3, background: { r: (i * 37) % 256, g: 90, b: 200 } } }).png().toBuffer();
  return sharp(await Promise.all(Array.from({ length: frames }, (_, i) => frame(i))), { join: { animated: true } }).gif().toBuffer();
}

describe('decode weight', () => {
  describe('when the header gives a size', () => {
    it('is width x height', async () => {
      expect(await decodeWeight(await solid(300, 200), LIMIT)).toBe(60_000);
    });

    it('reads the size of an image past sharp\'s own pixel limit without decoding it', async () => {
      // 20000 x 20000 = 400 megapixels, claimed by a header of a few bytes.
      expect(await decodeWeight(craftedPng(20_000, 20_000, 'short'), { ...LIMIT, maxPixels: 500_000_000 })).toBe(400_000_000);
    });

    it('weighs 0 an image the decoder refuses from its header as over its pixel limit', async () => {
      expect(await decodeWeight(craftedPng(20_000, 20_000, 'short'), LIMIT)).toBe(0);
    });

    it('counts every frame of an animation, up to the frame cap', async () => {
      expect(await decodeWeight(await animation(3), LIMIT)).toBe(3 * 40 * 30);
      expect(await decodeWeight(await animation(MAX_FRAMES + 4), LIMIT)).toBe(MAX_FRAMES * 40 * 30);
    });

    it('counts no more frames than fit the pixel limit together, as the decoder stops there', async () => {
      expect(await decodeWeight(await animation(10), { maxPixels: 4 * 40 * 30 + 1, maxFrames: MAX_FRAMES })).toBe(4 * 40 * 30);
    });

    it('counts only the first page of a multi-page TIFF (the only one decoded)', async () => {
      const page = (shade: number): Promise<Buffer> => sharp({ create: { width: 40, height: 30, channels: 3, background: { r: shade, g: shade, b: shade } } }).png().toBuffer();
      const tiff = await sharp(await Promise.all([10, 90, 170].map(page)), { join: { animated: true } }).tiff().toBuffer();
      expect((await sharp(tiff).metadata()).pages).toBe(3);
      expect(await decodeWeight(tiff, LIMIT)).toBe(40 * 30);
    });

    it('weighs a still image with transparency three times its pixels: it is also hashed composited, from RGBA', async () => {
      const rgba = await sharp({ create: { width: 300, height: 200, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
      expect(await decodeWeight(rgba, LIMIT)).toBe(COMPOSITED_WEIGHT_FACTOR * 60_000);
    });

    it('weighs an animated PNG three times its canvas: its frames are rendered in RGBA', async () => {
      const apng = await buildApng(await solid(300, 200), [{ png: await solid(300, 200) }]);
      expect(await decodeWeight(apng, LIMIT)).toBe(COMPOSITED_WEIGHT_FACTOR * 60_000);
    });

    it('weighs a cut-off GIF by its header: it is decoded as far as it goes', async () => {
      const gif = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } }).gif().toBuffer();
      expect(await decodeWeight(gif.subarray(0, gif.length - 20), LIMIT)).toBe(60_000);
    });

    it('weighs a picture whose pixel data is broken by its header', async () => {
      expect(await decodeWeight(craftedPng(2000, 2000, 'garbage'), LIMIT)).toBe(4_000_000);
    });
  });

  describe('when there is no readable header', () => {
    it.each([
      ['empty bytes', new Uint8Array(0)],
      ['text', new TextEncoder().encode('not an image at all')],
    ])('weighs %s as 0', async (_name, bytes) => {
      expect(await decodeWeight(bytes, LIMIT)).toBe(0);
    });

    // Found by fuzzing (fuzz/targets/image.ts, decode-cost): the weigher closed the closed GIF again and again
    // (384 rounds of sharp for these 41 bytes, each 2 bytes longer), until it weighed a file the decoder never sees.
    it('weighs 0 a cut GIF still unreadable once closed: the decoder closes it once, then refuses it', async () => {
      const gif = Uint8Array.from([71, 73, 70, 56, 57, 97, 24, 0, 16, 0, 128, 0, 0, 76, 105, 113, 40, 120, 200, 33, 249, 4, 5, 0, 0, 0, 0, 44, 156, 180, 218, 139, 179, 222, 188, 251, 175, 20, 0, 59, 0]);
      expect(await decodeWeight(gif, { maxPixels: 20_000_000_000, maxFrames: MAX_FRAMES })).toBe(0);
    });
  });

  describe('a scan under the budget', () => {
    it('holds the image\'s pixels while it runs and gives them back after, failed or not', async () => {
      const budget = new DecodeBudget({ pixels: 100_000, queueLength: 0, queueWaitMs: 0, retryAfterSeconds: 1 });
      const png = await solid(300, 200);
      const held: number[] = [];
      const scan = withDecodeBudget(budget, LIMIT, async () => {
        held.push(budget.inUse);
        throw new Error('decode failed');
      });
      await expect(scan(png)).rejects.toThrow('decode failed');
      expect(held).toEqual([60_000]);
      expect(budget.inUse).toBe(0);
    });

    it('holds the whole budget for an image whose pixels fit it but whose composited weight does not, rather than refusing it', async () => {
      const budget = new DecodeBudget({ pixels: 100_000, queueLength: 0, queueWaitMs: 0, retryAfterSeconds: 1 });
      const rgba = await sharp({ create: { width: 300, height: 200, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
      const held: number[] = [];
      await withDecodeBudget(budget, LIMIT, async () => held.push(budget.inUse))(rgba);
      expect(held).toEqual([100_000]);
      expect(budget.inUse).toBe(0);
    });
  });
});
