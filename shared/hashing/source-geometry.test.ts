import { describe, expect, it } from 'vitest';
import { axisWeights } from './source-geometry.ts';

const rowSums = (n: number, reduced: number): number[] => {
  const { length, offset, weights } = axisWeights(n, reduced);
  return Array.from({ length: 64 }, (_, i) => weights.subarray(offset[i] ?? 0, (offset[i] ?? 0) + (length[i] ?? 0)).reduce((sum, w) => sum + w, 0));
};

describe('axisWeights', () => {
  describe('when an axis is of ordinary length', () => {
    it('gives each of the 64 samples weights that sum to 1 (a normalised tent)', () => {
      for (const sum of rowSums(1600, 192)) expect(sum).toBeCloseTo(1, 9);
    });
  });

  // Found by fuzzing (fuzz/targets/image.ts, image-views): the tent was built as a box of boxes, window x window
  // steps per sample, so a 1,048,600 x 16 PNG of 100 bytes held the sidecar's event loop for 10 s per view
  // (53 s for one scan), and an axis of 4 million pixels for minutes.
  describe('when an axis is millions of pixels long (a crafted header: 4,000,000 x 25 is within the pixel limit)', () => {
    it('builds the weights, each sample still summing to 1', () => {
      for (const sum of rowSums(4_000_000, 4_000_000)) expect(sum).toBeCloseTo(1, 9);
    });
  });
});
