import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticPhotoPixels } from '../../fixtures/synthetic-photo.ts';
import { hammingDistance } from './bits.ts';
import { jaroszWindowSize } from './jarosz.ts';
import { jaroszDownsample64 } from './jarosz-stream.ts';
import { boxAlongCols, boxAlongRows, decimate64 } from './testing/jarosz-whole-image.ts';
import { lumaFromPixels } from './luma.ts';
import type { LumaImage } from './luma.ts';
import { DIHEDRAL_NAMES, pdqDihedralsFromLuma, pdqFromLuma } from './pdq.ts';
import { axisWeights } from './source-geometry.ts';

/** The reference's box1DFloat written as plainly as possible: running float32 sum, four phases. */
function referenceBox1d(v: Float32Array, window: number): Float32Array {
  const n = v.length;
  const half = (window + 2) >> 1;
  const out = new Float32Array(n);
  let sum = 0;
  let count = 0;
  let ri = 0;
  let li = 0;
  let oi = 0;
  for (let i = 0; i < half - 1; i++) (sum = Math.fround(sum + (v[ri++] ?? 0))), count++;
  for (let i = 0; i < window - half + 1; i++) (sum = Math.fround(sum + (v[ri++] ?? 0))), count++, (out[oi++] = sum / count);
  for (let i = 0; i < n - window; i++) (sum = Math.fround(Math.fround(sum + (v[ri++] ?? 0)) - (v[li++] ?? 0))), (out[oi++] = sum / count);
  for (let i = 0; i < half - 1; i++) (sum = Math.fround(sum - (v[li++] ?? 0))), count--, (out[oi++] = sum / count);
  return out;
}

const lumaArb = fc
  .record({ rows: fc.integer({ min: 1, max: 40 }), cols: fc.integer({ min: 1, max: 40 }), seed: fc.nat() })
  .map(({ rows, cols, seed }) => {
    const data = new Float32Array(rows * cols);
    let x = seed | 1;
    for (let i = 0; i < data.length; i++) {
      x = Math.imul(x ^ (x >>> 13), 0x5bd1e995) | 1;
      data[i] = Math.fround(((x >>> 8) % 25500) / 100);
    }
    return { rows, cols, data };
  });

describe('the Jarosz box filter', () => {
  it('places the window as the reference does and divides by the samples in it', () => {
    const v = Float32Array.of(1, 2, 3, 4, 5);
    expect(Array.from(referenceBox1d(v, 2))).toEqual([1.5, 2.5, 3.5, 4.5, 5]); // [i, i + 1]
    expect(Array.from(referenceBox1d(v, 3))).toEqual([1.5, 2, 3, 4, 4.5]); // [i - 1, i + 1]
    const out = new Float32Array(5);
    boxAlongRows(v, out, 1, 5, 3);
    expect(Array.from(out)).toEqual([1.5, 2, 3, 4, 4.5]);
  });

  it('filters rows (four at a time) exactly as the reference filters each row', () => {
    fc.assert(
      fc.property(lumaArb, fc.integer({ min: 1, max: 9 }), ({ rows, cols, data }, w) => {
        const window = Math.min(w, cols);
        const out = new Float32Array(rows * cols);
        boxAlongRows(data, out, rows, cols, window);
        for (let r = 0; r < rows; r++) {
          expect(out.subarray(r * cols, (r + 1) * cols)).toEqual(referenceBox1d(data.subarray(r * cols, (r + 1) * cols), window));
        }
      }),
    );
  });

  it('filters columns exactly as the reference filters each column', () => {
    fc.assert(
      fc.property(lumaArb, fc.integer({ min: 1, max: 9 }), ({ rows, cols, data }, w) => {
        const window = Math.min(w, rows);
        const out = new Float32Array(rows * cols);
        boxAlongCols(data, out, rows, cols, window, new Float32Array(cols));
        for (let c = 0; c < cols; c++) {
          const column = Float32Array.from({ length: rows }, (_, r) => data[r * cols + c] ?? 0);
          expect(Float32Array.from({ length: rows }, (_, r) => out[r * cols + c] ?? 0)).toEqual(referenceBox1d(column, window));
        }
      }),
    );
  });

  it('streams to the same 64x64 grid as the whole-image passes then decimation', () => {
    fc.assert(
      fc.property(lumaArb, ({ rows, cols, data }) => {
        const wr = jaroszWindowSize(cols, 64);
        const wc = jaroszWindowSize(rows, 64);
        const a = new Float32Array(rows * cols);
        const b = new Float32Array(rows * cols);
        const sums = new Float32Array(cols);
        boxAlongRows(data, a, rows, cols, wr);
        boxAlongCols(a, b, rows, cols, wc, sums);
        boxAlongRows(b, a, rows, cols, wr);
        boxAlongCols(a, b, rows, cols, wc, sums);
        const expected = new Float32Array(4096);
        decimate64(b, rows, cols, expected);
        const actual = new Float32Array(4096);
        jaroszDownsample64(data, rows, cols, actual);
        expect(actual).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('sizes each pass as ceil(dimension / 128)', () => {
    expect([64, 128, 129, 1004, 1600, 4032].map((n) => jaroszWindowSize(n, 64))).toEqual([1, 1, 2, 8, 13, 32]);
  });
});

describe('pdqFromLuma', () => {
  let photo: LumaImage;
  beforeAll(async () => {
    photo = lumaFromPixels({ width: 640, height: 480, channels: 3, data: await syntheticPhotoPixels({ width: 640, height: 480, seed: 1 }) });
  });

  describe('when the image is under 5 pixels on a side', () => {
    it.each([
      [1, 1],
      [4, 100],
      [100, 4],
    ])('returns the all-zero hash with quality 0 for %ix%i', (width, height) => {
      const luma = { width, height, data: new Float32Array(width * height).fill(128) };
      expect(pdqFromLuma(luma)).toEqual({ hash: new Uint8Array(32), quality: 0 });
      const withDihedrals = pdqDihedralsFromLuma(luma);
      expect(withDihedrals.dihedrals).toHaveLength(8);
      expect(withDihedrals.dihedrals.every((h) => h.every((b) => b === 0))).toBe(true);
    });
  });

  it('gives a flat image quality 0 and a photograph quality 100', () => {
    expect(pdqFromLuma({ width: 100, height: 80, data: new Float32Array(8000).fill(77) }).quality).toBe(0);
    expect(pdqFromLuma(photo).quality).toBe(100);
  });

  it('sets half the bits, less ties at the median', () => {
    const ones = Array.from(pdqFromLuma(photo).hash).reduce((n, b) => n + popcount(b), 0);
    expect(ones).toBe(128);
  });

  it('does not modify its input', () => {
    const copy = Float32Array.from(photo.data);
    pdqFromLuma(photo);
    pdqDihedralsFromLuma(photo, { source: { width: 1280, height: 960 } });
    expect(photo.data).toEqual(copy);
  });

  describe('dihedral variants', () => {
    it('returns the original hash first, in the reference order', () => {
      const result = pdqDihedralsFromLuma(photo);
      expect(DIHEDRAL_NAMES).toEqual(['original', 'rotate90', 'rotate180', 'rotate270', 'flipX', 'flipY', 'flipPlus1', 'flipMinus1']);
      expect(result.dihedrals[0]).toEqual(result.hash);
      expect(result.hash).toEqual(pdqFromLuma(photo).hash);
    });

    it('equals, on a 64x64 image (no filtering), the hash of the transformed pixels', () => {
      const n = 64;
      const src = (x: number, y: number) => photo.data[y * 7 * photo.width + x * 9] ?? 0;
      const image = (at: (x: number, y: number) => number): LumaImage => ({
        width: n,
        height: n,
        data: Float32Array.from({ length: n * n }, (_, i) => at(i % n, Math.floor(i / n))),
      });
      const m = n - 1;
      // Pixel (x, y) of each variant, read from the original: rotations anticlockwise, flipX top-bottom, flipY left-right.
      const variants: ((x: number, y: number) => number)[] = [
        (x, y) => src(x, y),
        (x, y) => src(m - y, x),
        (x, y) => src(m - x, m - y),
        (x, y) => src(y, m - x),
        (x, y) => src(x, m - y),
        (x, y) => src(m - x, y),
        (x, y) => src(y, x),
        (x, y) => src(m - y, m - x),
      ];
      const { dihedrals } = pdqDihedralsFromLuma(image(src));
      variants.forEach((at, k) => {
        // The DCT sums run in a different order on transformed pixels: allow a bit for a value at the median.
        expect(hammingDistance(pdqFromLuma(image(at)).hash, dihedrals[k] ?? new Uint8Array(32))).toBeLessThanOrEqual(2);
      });
    });
  });

  describe('with the source geometry (the fast path)', () => {
    it('weights each sample point with weights summing to 1', () => {
      for (const [n, reduced] of [
        [1600, 177],
        [1004, 111],
        [64, 64],
        [300, 300],
        [10, 3],
      ] as const) {
        const w = axisWeights(n, reduced);
        for (let i = 0; i < 64; i++) {
          const row = w.weights.subarray(w.offset[i], (w.offset[i] ?? 0) + (w.length[i] ?? 0));
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        }
      }
    });

    it('matches the reference within 2 bits on an unreduced image', () => {
      const reference = pdqFromLuma(photo);
      const weighted = pdqFromLuma(photo, { source: { width: photo.width, height: photo.height } });
      expect(weighted.quality).toBe(reference.quality);
      expect(hammingDistance(weighted.hash, reference.hash)).toBeLessThanOrEqual(2);
    });

    it('hashes a box-reduced copy close to the full image', () => {
      const f = 8;
      const w = photo.width / f;
      const h = photo.height / f;
      const reduced = new Float32Array(w * h);
      for (let y = 0; y < photo.height; y++) {
        for (let x = 0; x < photo.width; x++) reduced[Math.floor(y / f) * w + Math.floor(x / f)]! += (photo.data[y * photo.width + x] ?? 0) / (f * f);
      }
      const fast = pdqFromLuma({ width: w, height: h, data: reduced }, { source: { width: photo.width, height: photo.height } });
      expect(hammingDistance(fast.hash, pdqFromLuma(photo).hash)).toBeLessThanOrEqual(10);
    });
  });
});

function popcount(byte: number): number {
  let n = 0;
  for (let b = byte; b !== 0; b >>= 1) n += b & 1;
  return n;
}
