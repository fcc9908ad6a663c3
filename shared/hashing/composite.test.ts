import { describe, expect, it } from 'vitest';
import { isOpaque, lumaOver } from './composite.ts';

/** Two RGBA pixels: opaque mid grey, and fully transparent red. */
const pixels = { width: 2, height: 1, channels: 4 as const, data: new Uint8Array([100, 100, 100, 255, 255, 0, 0, 0]) };

describe('lumaOver', () => {
  it.each([
    ['white', 255],
    ['black', 0],
  ])('shows opaque pixels as they are and transparent ones as the %s background', (_name, background) => {
    expect(Array.from(lumaOver(pixels, background).data).map((v) => Math.round(v))).toEqual([100, background]);
  });

  it('blends a half-transparent pixel with the background', () => {
    const half = { width: 1, height: 1, channels: 4 as const, data: new Uint8Array([0, 0, 0, 102]) };
    expect(lumaOver(half, 255).data[0]).toBeCloseTo(153, 3);
  });
});

describe('isOpaque', () => {
  it('is false when any pixel is transparent, true for opaque RGBA and for pixels without alpha', () => {
    expect(isOpaque(pixels)).toBe(false);
    expect(isOpaque({ ...pixels, data: new Uint8Array([1, 2, 3, 255, 4, 5, 6, 255]) })).toBe(true);
    expect(isOpaque({ width: 1, height: 1, channels: 3, data: new Uint8Array([1, 2, 3]) })).toBe(true);
  });
});
