import { encode } from 'blurhash';
import { describe, expect, it } from 'vitest';
import { previewSimilarity } from './preview-similarity.ts';

/** A synthetic 8x8 picture: one colour, or a left/right split. */
function picture(left: [number, number, number], right = left): string {
  const pixels = new Uint8ClampedArray(8 * 8 * 4);
  for (let i = 0; i < 64; i++) pixels.set([...((i % 8) < 4 ? left : right), 255], i * 4);
  return encode(pixels, 8, 8, 4, 4);
}

describe('previewSimilarity', () => {
  describe('when both previews are present', () => {
    it('scores the same picture 1, opposite pictures near 0, and a half-changed one in between', () => {
      const black = picture([0, 0, 0]);
      expect(previewSimilarity(black, black)).toBe(1);
      expect(previewSimilarity(black, picture([255, 255, 255]))).toBeLessThan(0.1);
      const half = previewSimilarity(black, picture([0, 0, 0], [255, 255, 255])) ?? 0;
      expect(half).toBeGreaterThan(0.3);
      expect(half).toBeLessThan(0.7);
    });

    it('is symmetric', () => {
      const a = picture([200, 30, 30], [10, 10, 10]);
      const b = picture([30, 200, 30]);
      expect(previewSimilarity(a, b)).toBe(previewSimilarity(b, a));
    });
  });

  describe('when a preview is missing', () => {
    it('is null', () => {
      expect(previewSimilarity(null, picture([1, 2, 3]))).toBeNull();
      expect(previewSimilarity(picture([1, 2, 3]), null)).toBeNull();
    });
  });
});
