/**
 * PDQ's dihedral variants against PDQ of the rotated and flipped pixels
 * themselves, on raw pixel arrays (no decoder involved), at many sizes and on
 * both paths: the reference's float32 filter (`exact`) and the float64 source
 * geometry of a reduced image (`fast`).
 */
import fc from 'fast-check';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { hammingDistance } from './bits.ts';
import { hashPixels } from './hash-image.ts';
import { isMirrorSymmetric } from './jarosz.ts';
import type { PixelImage } from './luma.ts';
import { DIHEDRAL_NAMES } from './pdq.ts';
import type { DihedralName } from './pdq.ts';
import { axisWeights } from './source-geometry.ts';

type Size = { readonly width: number; readonly height: number };

/**
 * Pixel (x, y) of each variant of a w x h image, read from the original:
 * PDQ's rotations are anticlockwise, flipX turns it upside down, flipY
 * mirrors it left to right, flipPlus1 transposes it.
 */
const SOURCE_PIXEL: Record<DihedralName, (x: number, y: number, w: number, h: number) => readonly [number, number]> = {
  original: (x, y) => [x, y],
  rotate90: (x, y, w) => [w - 1 - y, x],
  rotate180: (x, y, w, h) => [w - 1 - x, h - 1 - y],
  rotate270: (x, y, _w, h) => [y, h - 1 - x],
  flipX: (x, y, _w, h) => [x, h - 1 - y],
  flipY: (x, y, w) => [w - 1 - x, y],
  flipPlus1: (x, y) => [y, x],
  flipMinus1: (x, y, w, h) => [w - 1 - y, h - 1 - x],
};

const SWAPS_SIDES: ReadonlySet<DihedralName> = new Set(['rotate90', 'rotate270', 'flipPlus1', 'flipMinus1']);

function sizeOf(size: Size, name: DihedralName): Size {
  return SWAPS_SIDES.has(name) ? { width: size.height, height: size.width } : size;
}

function transformed(image: PixelImage, name: DihedralName): PixelImage {
  const { width, height } = sizeOf(image, name);
  const { channels } = image;
  const from = SOURCE_PIXEL[name];
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = from(x, y, image.width, image.height);
      const at = (sy * image.width + sx) * channels;
      data.set(image.data.subarray(at, at + channels), (y * width + x) * channels);
    }
  }
  return { width, height, channels, data };
}

/**
 * A seeded grey picture with detail at every scale: plane waves of periods
 * from 2.5 px up to about 2,000 px in random directions, plus noise. The fine
 * waves are what a pixel's shift in PDQ's sampling shows up on. (Grey: the
 * colour to luma step is per pixel and has no say in where PDQ samples.)
 */
function testImage(width: number, height: number, seed: number): PixelImage {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const waves = Array.from({ length: 14 }, (_, i) => {
    const k = (2 * Math.PI) / (2.5 * 1.6 ** i);
    const angle = random() * Math.PI;
    return { kx: k * Math.cos(angle), ky: k * Math.sin(angle), phase: random() * 2 * Math.PI, amplitude: 8 + random() * 20 };
  });
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 128 + (random() - 0.5) * 16;
      for (const w of waves) v += w.amplitude * Math.sin(w.kx * x + w.ky * y + w.phase);
      data[y * width + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { width, height, channels: 1, data };
}

/**
 * Hamming distance, per variant k, between variant k of the image's
 * dihedrals and PDQ of the image transformed by k. With `source`, `image` is
 * a reduced copy of a source of that size (the fast path's geometry).
 */
function variantDistances(image: PixelImage, source?: Size): number[] {
  const [result] = hashPixels(image, { dihedral: true, ...(source === undefined ? {} : { source }) });
  const dihedrals = result?.dihedrals;
  if (dihedrals === undefined) throw new Error('no dihedral variants');
  return DIHEDRAL_NAMES.map((name, k) => {
    const variantSource = source === undefined ? {} : { source: sizeOf(source, name) };
    const [direct] = hashPixels(transformed(image, name), variantSource);
    const variant = dihedrals[k];
    if (direct === undefined || variant === undefined) throw new Error(`no hash for ${name}`);
    return hammingDistance(direct.hash, variant);
  });
}

const EQUAL = DIHEDRAL_NAMES.map(() => 0);

describe('PDQ dihedral variants', () => {
  describe('the pixel transforms these tests use', () => {
    // The sharp operations that reproduce pytx's pixel-rotation vectors bit for bit (pdq-vectors.test.ts).
    const VERIFIED: Record<DihedralName, (image: Sharp) => Sharp> = {
      original: (s) => s,
      rotate90: (s) => s.rotate(270),
      rotate180: (s) => s.rotate(180),
      rotate270: (s) => s.rotate(90),
      flipX: (s) => s.flip(),
      flipY: (s) => s.flop(),
      flipPlus1: (s) => s.rotate(90).flip(),
      flipMinus1: (s) => s.rotate(90).flop(),
    };

    it.each(DIHEDRAL_NAMES.map((name) => [name]))('%s moves pixels as the reference vectors define it', async (name) => {
      const image = testImage(7, 5, 3);
      const raw = { width: image.width, height: image.height, channels: image.channels };
      const { data, info } = await VERIFIED[name](sharp(image.data, { raw })).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      const ours = transformed(image, name);
      expect([info.width, info.height]).toEqual([ours.width, ours.height]);
      expect(new Uint8Array(data)).toEqual(ours.data);
    });
  });

  describe('where PDQ samples a flipped axis', () => {
    it('samples a reversed axis differently exactly when isMirrorSymmetric says so', () => {
      // Compared as dense rows: the gather can leave a weight of 1e-15 (a
      // rounded-off overlap) on one side and none on the other.
      const dense = (n: number, reduced: number, reversed: boolean): Float64Array => {
        const { start, length, offset, weights } = axisWeights(n, reduced, reversed);
        const rows = new Float64Array(64 * reduced);
        for (let i = 0; i < 64; i++) {
          for (let k = 0; k < (length[i] ?? 0); k++) rows[i * reduced + (start[i] ?? 0) + k] = weights[(offset[i] ?? 0) + k] ?? 0;
        }
        return rows;
      };
      const differs = (n: number, reduced: number): boolean => {
        const reversed = dense(n, reduced, true);
        return dense(n, reduced, false).some((w, i) => Math.abs(w - (reversed[i] ?? 0)) > 1e-12);
      };
      const mismatches: number[] = [];
      for (let n = 5; n <= 1100; n++) {
        if (differs(n, n) === isMirrorSymmetric(n)) mismatches.push(n);
        if (n >= 300 && differs(n, Math.floor(n / 3)) === isMirrorSymmetric(n)) mismatches.push(-n);
      }
      expect(mismatches).toEqual([]);
      // Even windows (129 to 256 px, 385 to 512, ...) and multiples of 128 are asymmetric.
      expect([200, 256, 300, 383, 384, 500, 640, 1004].map(isMirrorSymmetric)).toEqual([false, false, true, true, false, false, false, false]);
      expect([64, 320, 576, 800, 1600].every(isMirrorSymmetric)).toBe(true);
    });
  });

  describe('when hashed on the exact path (the reference float32 filter)', () => {
    const SIZES: readonly (readonly [number, number])[] = [
      [64, 64],
      [64, 100],
      [97, 65],
      [128, 128],
      [130, 129],
      [200, 150],
      [221, 441],
      [256, 256],
      [257, 384],
      [300, 200],
      [320, 576],
      [385, 383],
      [441, 221],
      [500, 375],
      [512, 512],
      [640, 480],
      [700, 525],
      [768, 1024],
      [899, 900],
    ];

    it.each(SIZES)('%ix%i: variant k equals PDQ of the pixels transformed by k', (width, height) => {
      expect(variantDistances(testImage(width, height, width * 4099 + height))).toEqual(EQUAL);
    });
  });

  describe('when hashed on the fast path (a reduced image with its source geometry)', () => {
    // Source sizes and the sizes `fast` decodes them to (image-input.ts), and two decoded at full size.
    const CASES: readonly (readonly [number, number, number, number])[] = [
      [1600, 1004, 177, 111],
      [1004, 1600, 111, 177],
      [1376, 917, 152, 101],
      [4032, 3024, 256, 192],
      [640, 480, 128, 96],
      [500, 375, 166, 125],
      [256, 256, 256, 256],
      [300, 200, 300, 200],
    ];

    it.each(CASES)('%ix%i decoded at %ix%i: variant k equals PDQ of the reduced pixels transformed by k', (width, height, reducedWidth, reducedHeight) => {
      const reduced = testImage(reducedWidth, reducedHeight, width * 4099 + height);
      expect(variantDistances(reduced, { width, height })).toEqual(EQUAL);
    });
  });

  describe('at any size from 64 to 900 px, on either path', () => {
    // Variants and direct hashes round differently (float64 weights against the
    // reference's float32 running sums, the DCT's sums in another order), so
    // two coefficients within rounding of the median can trade places: one
    // such swap moves 2 bits. The tables above saw none, nor did a sweep of
    // 400 random sizes in development (3,200 comparisons on each path).
    it('keeps every variant within 2 bits of PDQ of the transformed pixels', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 64, max: 900 }),
          fc.integer({ min: 64, max: 900 }),
          fc.constantFrom(0, 1, 2, 4, 8),
          fc.nat(),
          (width, height, reduction, seed) => {
            // reduction 0: the exact path; otherwise the fast path on a copy reduced that many times (at least 64 px a side).
            const factor = Math.min(reduction, Math.floor(Math.min(width, height) / 64));
            const image = testImage(factor === 0 ? width : Math.floor(width / factor), factor === 0 ? height : Math.floor(height / factor), seed);
            const distances = variantDistances(image, factor === 0 ? undefined : { width, height });
            expect(Math.max(...distances)).toBeLessThanOrEqual(2);
          },
        ),
        { numRuns: 24 },
      );
    });
  });
});
