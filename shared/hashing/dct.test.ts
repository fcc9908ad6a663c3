import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dct64To16, dct64To16Folded } from './dct.ts';

/** B = D A D^T straight from the definition, in float64. */
function definitionDct(a: Float32Array): Float64Array {
  const d = (k: number, j: number): number => Math.sqrt(2 / 64) * Math.cos((Math.PI / 128) * (k + 1) * (2 * j + 1));
  const out = new Float64Array(256);
  for (let u = 0; u < 16; u++) {
    for (let v = 0; v < 16; v++) {
      let sum = 0;
      for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) sum += d(u, y) * (a[y * 64 + x] ?? 0) * d(v, x);
      out[u * 16 + v] = sum;
    }
  }
  return out;
}

const gridArb = fc.float32Array({ minLength: 4096, maxLength: 4096, min: 0, max: 255, noNaN: true, noDefaultInfinity: true });

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

describe("PDQ's 64x64 to 16x16 DCT", () => {
  describe('when folded and computed in float64', () => {
    it("gives the definition's coefficients, up to float32 output rounding", () => {
      fc.assert(
        fc.property(gridArb, (grid) => {
          const folded = new Float32Array(256);
          dct64To16Folded(grid, folded);
          const exact = definitionDct(grid);
          // Coefficients stay under 64 * 255 in magnitude; float32 keeps 24 bits of them.
          expect(maxDifference(folded, exact)).toBeLessThan(2e-3);
        }),
        { numRuns: 8 },
      );
    });

    it("agrees with the reference's float32 arithmetic to within its rounding", () => {
      fc.assert(
        fc.property(gridArb, (grid) => {
          const reference = new Float32Array(256);
          const folded = new Float32Array(256);
          dct64To16(grid, reference);
          dct64To16Folded(grid, folded);
          // Chains of 64 float32 additions: about 2e-4 on such grids.
          expect(maxDifference(reference, folded)).toBeLessThan(0.01);
        }),
        { numRuns: 20 },
      );
    });
  });
});
