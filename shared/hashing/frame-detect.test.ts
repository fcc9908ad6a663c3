import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyTransform, createRng, findTransform } from '../../fixtures/index.ts';
import { syntheticPhotoPixels } from '../../fixtures/synthetic-photo.ts';
import { detectFrame } from './frame-detect.ts';
import type { FrameBox } from './frame-detect.ts';
import { decodeImage } from './image-input.ts';
import { lumaFromPixels } from './luma.ts';
import type { LumaImage } from './luma.ts';

const WIDTH = 480;
const HEIGHT = 320;
/** Box edges found within this many pixels of the truth: the framed copies are sampled every 2 or 3 pixels (GRID_SIDE), and a line mixing frame and picture may go either way. */
const TOLERANCE = 4;

async function lumaOf(bytes: Uint8Array): Promise<LumaImage> {
  return lumaFromPixels(await decodeImage(bytes, { mode: 'exact' }));
}

/** A luma image drawn from a function of the pixel. */
function drawn(width: number, height: number, value: (x: number, y: number) => number): LumaImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = Math.max(0, Math.min(255, value(x, y)));
  return { width, height, data };
}

describe('detectFrame', () => {
  let photo: Buffer;
  beforeAll(async () => {
    const pixels = await syntheticPhotoPixels({ width: WIDTH, height: HEIGHT, seed: 31 });
    photo = await sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
  });

  describe('when a frame was added', () => {
    // The picture's box in the framed copy, from the transform's own geometry (fixtures/transforms).
    const cases: { transform: string; strength: number; box: FrameBox }[] = [
      { transform: 'border', strength: 0.1, box: [32, 32, WIDTH, HEIGHT] },
      { transform: 'frame-noisy', strength: 0.05, box: [16, 16, WIDTH, HEIGHT] },
      { transform: 'frame-noisy', strength: 0.1, box: [32, 32, WIDTH, HEIGHT] },
      { transform: 'letterbox', strength: 0.25, box: [0, 40, WIDTH, HEIGHT] },
      { transform: 'pillarbox', strength: 0.1, box: [24, 0, WIDTH, HEIGHT] },
      { transform: 'letterbox-blur', strength: 0.1, box: [0, 32, WIDTH, HEIGHT] },
      { transform: 'pillarbox-blur', strength: 0.2, box: [96, 0, WIDTH, HEIGHT] },
      { transform: 'caption-band', strength: 0.1, box: [0, 0, WIDTH, HEIGHT] },
      { transform: 'caption', strength: 0.2, box: [0, 64, WIDTH, HEIGHT] },
    ];
    it.each(cases)('finds the picture inside $transform $strength within a few pixels', async ({ transform, strength, box }) => {
      const framed = await applyTransform(findTransform(transform), photo, strength, createRng(5));
      const found = detectFrame(await lumaOf(framed));
      expect(found).toBeDefined();
      const [x, y, width, height] = found?.box ?? [0, 0, 0, 0];
      expect(Math.abs(x - box[0])).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(y - box[1])).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(x + width - (box[0] + box[2]))).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(y + height - (box[1] + box[3]))).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  describe('when the picture has no frame', () => {
    it('finds none in a photo-like picture', async () => {
      expect(detectFrame(await lumaOf(photo))).toBeUndefined();
    });

    // Edges that belong to the picture: dark, flat or smooth, but fading into it rather than ending at a step.
    const stars = (x: number, y: number): number => ((x * 7919 + y * 104729) % 997 === 0 ? 200 : 0);
    const cases: { name: string; luma: LumaImage }[] = [
      { name: 'a night sky (dark, brightening to the horizon, with stars)', luma: drawn(400, 300, (x, y) => 4 + (y / 300) ** 2 * 40 + stars(x, y) + (y > 240 ? 30 + ((x * 13) % 17) : 0)) },
      { name: 'a vertical gradient', luma: drawn(400, 300, (_x, y) => 20 + (y / 300) * 200) },
      { name: 'a horizontal gradient', luma: drawn(400, 300, (x) => 240 - (x / 400) * 200) },
      { name: 'a radial vignette', luma: drawn(400, 300, (x, y) => 200 - Math.hypot(x - 200, y - 150) * 0.8) },
    ];
    it.each(cases)('finds none in $name', ({ luma }) => {
      expect(detectFrame(luma)).toBeUndefined();
    });
  });
});
