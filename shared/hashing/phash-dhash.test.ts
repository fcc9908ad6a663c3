import fc from 'fast-check';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticPhotoPixels } from '../../fixtures/synthetic-photo.ts';
import { areaAverage } from './area-average.ts';
import { formatHex, hammingDistance } from './bits.ts';
import { dhash64FromLuma, dhash64QualityFromLuma } from './dhash.ts';
import { generateImage } from '../../fixtures/index.ts';
import { decodeImage } from './image-input.ts';
import { lumaFromPixels } from './luma.ts';
import type { LumaImage } from './luma.ts';
import { phash64FromLuma } from './phash.ts';

const image = (width: number, height: number, at: (x: number, y: number) => number): LumaImage => ({
  width,
  height,
  data: Float32Array.from({ length: width * height }, (_, i) => at(i % width, Math.floor(i / width))),
});

const popcount = (bytes: Uint8Array): number => Array.from(bytes).reduce((n, b) => n + b.toString(2).replaceAll('0', '').length, 0);

let photo: LumaImage;
let resizedPhoto: LumaImage;
beforeAll(async () => {
  const pixels = await syntheticPhotoPixels({ width: 600, height: 400, seed: 2 });
  photo = lumaFromPixels({ width: 600, height: 400, channels: 3, data: pixels });
  const { data } = await sharp(pixels, { raw: { width: 600, height: 400, channels: 3 } }).resize(450, 300).raw().toBuffer({ resolveWithObject: true });
  resizedPhoto = lumaFromPixels({ width: 450, height: 300, channels: 3, data });
});

describe('areaAverage', () => {
  const smallImage = fc
    .record({ width: fc.integer({ min: 1, max: 50 }), height: fc.integer({ min: 1, max: 50 }), values: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 2500, maxLength: 2500 }) })
    .map(({ width, height, values }) => image(width, height, (x, y) => values[(y * width + x) % values.length] ?? 0));

  it('keeps the mean of the image (every pixel counted once in all)', () => {
    fc.assert(
      fc.property(smallImage, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), (luma, rows, cols) => {
        const grid = areaAverage(luma, rows, cols);
        const mean = luma.data.reduce((a, b) => a + b, 0) / luma.data.length;
        expect(grid.reduce((a, b) => a + b, 0) / grid.length).toBeCloseTo(mean, 9);
      }),
    );
  });

  it('averages whole blocks when the size divides evenly', () => {
    const luma = image(4, 2, (x, y) => x + 10 * y);
    expect(Array.from(areaAverage(luma, 1, 2))).toEqual([5.5, 7.5]);
  });

  it('spreads a pixel over the cells it overlaps', () => {
    // Three pixels onto two cells: cell 0 is pixel 0 and half of pixel 1.
    const grid = areaAverage(image(3, 1, (x) => [0, 30, 90][x] ?? 0), 1, 2);
    expect(Array.from(grid)).toEqual([10, 70]);
  });

  it('fills every cell with the value of a 1x1 image', () => {
    expect(Array.from(areaAverage(image(1, 1, () => 42), 8, 9)).every((v) => v === 42)).toBe(true);
  });
});

describe('dhash64FromLuma', () => {
  it('sets every bit where brightness rises to the right, none where it falls', () => {
    expect(formatHex(dhash64FromLuma(image(90, 40, (x) => x)))).toBe('ffffffffffffffff');
    expect(formatHex(dhash64FromLuma(image(90, 40, (x) => 255 - x)))).toBe('0000000000000000');
  });

  it('reads rows top to bottom, most significant bit first', () => {
    // Rising only in the top eighth of the image: the first byte.
    expect(formatHex(dhash64FromLuma(image(90, 80, (x, y) => (y < 10 ? x : 0))))).toBe('ff00000000000000');
  });

  it('complements its bits for a mirror image', () => {
    const mirrored = image(photo.width, photo.height, (x, y) => photo.data[y * photo.width + (photo.width - 1 - x)] ?? 0);
    const a = dhash64FromLuma(photo);
    expect(dhash64FromLuma(mirrored)).toEqual(a.map(mirroredRow));
  });

  it('ignores brightness and contrast changes', () => {
    const brighter = image(photo.width, photo.height, (x, y) => 0.6 * (photo.data[y * photo.width + x] ?? 0) + 50);
    expect(dhash64FromLuma(brighter)).toEqual(dhash64FromLuma(photo));
  });

  it('barely moves when the image is resized', () => {
    expect(hammingDistance(dhash64FromLuma(resizedPhoto), dhash64FromLuma(photo))).toBeLessThanOrEqual(4);
  });

  it('hashes a 1x1 image (no rises: all zero)', () => {
    expect(formatHex(dhash64FromLuma(image(1, 1, () => 9)))).toBe('0000000000000000');
  });
});

/** Mirroring reverses a row's 8 comparisons and turns each around: bit c becomes the complement of bit 7 - c. */
function mirroredRow(byte: number): number {
  let out = 0;
  for (let c = 0; c < 8; c++) {
    const bit = (byte >> (7 - c)) & 1; // bit c, most significant first
    if (bit === 0) out |= 0x80 >> (7 - c);
  }
  return out;
}

describe('dhash64QualityFromLuma', () => {
  it('scores a flat picture 0', () => {
    expect(dhash64QualityFromLuma(image(300, 200, () => 128))).toBe(0);
  });

  it('scores a faint ramp below the floor of 50 while it sets every bit the same way', () => {
    // 30 grey levels across the picture: each of the 8 dHash steps rises, so the hash is all ones.
    const ramp = image(300, 200, (x) => 100 + (30 * x) / 299);
    expect(formatHex(dhash64FromLuma(ramp))).toBe('ffffffffffffffff');
    expect(dhash64QualityFromLuma(ramp)).toBeLessThan(50);
  });

  it('scores a detailed photograph at 100', () => {
    expect(dhash64QualityFromLuma(photo)).toBe(100);
  });

  it('scores every low-detail fixture below the floor, and a detailed scene above it', async () => {
    const luma = async (family: 'low-detail' | 'scenes', seed: number) => lumaFromPixels(await decodeImage(await generateImage({ family, seed, width: 640, height: 480, format: 'png' })));
    for (const seed of [1, 2, 3, 4]) expect(dhash64QualityFromLuma(await luma('low-detail', seed))).toBeLessThan(50);
    expect(dhash64QualityFromLuma(await luma('scenes', 1))).toBeGreaterThanOrEqual(50);
  });
});

describe('phash64FromLuma', () => {
  it('sets exactly 32 bits (the median splits 64 distinct values)', () => {
    expect(popcount(phash64FromLuma(photo))).toBe(32);
  });

  it('ignores brightness and contrast changes', () => {
    const brighter = image(photo.width, photo.height, (x, y) => 0.6 * (photo.data[y * photo.width + x] ?? 0) + 50);
    expect(hammingDistance(phash64FromLuma(brighter), phash64FromLuma(photo))).toBeLessThanOrEqual(2);
  });

  it('barely moves when the image is resized', () => {
    expect(hammingDistance(phash64FromLuma(resizedPhoto), phash64FromLuma(photo))).toBeLessThanOrEqual(4);
  });

  it('differs a lot between unrelated images', async () => {
    const other = lumaFromPixels({ width: 600, height: 400, channels: 3, data: await syntheticPhotoPixels({ width: 600, height: 400, seed: 99 }) });
    expect(hammingDistance(phash64FromLuma(other), phash64FromLuma(photo))).toBeGreaterThan(16);
  });

  it('hashes a 1x1 image (all coefficients zero: no bit above the median)', () => {
    expect(formatHex(phash64FromLuma(image(1, 1, () => 9)))).toBe('0000000000000000');
  });
});
