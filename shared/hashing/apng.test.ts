import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readApng, renderApng } from './apng.ts';
import { buildApng } from './testing/apng.ts';

type Rgba = [number, number, number, number];

const solid = (width: number, height: number, [r, g, b, a]: Rgba): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 4, background: { r, g, b, alpha: a / 255 } } }).png().toBuffer();

/** The canvas pixel at (x, y) after each frame is drawn. */
async function renderedAt(apng: Uint8Array, x: number, y: number): Promise<{ pixels: Rgba[]; partial: boolean }> {
  const animation = await readApng(apng, 64);
  if (animation === undefined) throw new Error('not an APNG');
  const pixels: Rgba[] = [];
  const { partial } = await renderApng(animation, async (canvas) => {
    const at = (y * canvas.width + x) * 4;
    pixels.push([canvas.data[at] ?? -1, canvas.data[at + 1] ?? -1, canvas.data[at + 2] ?? -1, canvas.data[at + 3] ?? -1]);
  });
  return { pixels, partial };
}

describe('readApng', () => {
  describe('when the PNG has no animation', () => {
    it('gives undefined', async () => {
      expect(await readApng(await solid(4, 4, [1, 2, 3, 255]), 64)).toBeUndefined();
      expect(await readApng(new TextEncoder().encode('not a png at all'), 64)).toBeUndefined();
    });
  });

  describe('when a frame does not fit the canvas', () => {
    it('gives the frames before it, flagged partial', async () => {
      const apng = await buildApng(await solid(8, 8, [0, 0, 0, 255]), [{ png: await solid(8, 8, [255, 0, 0, 255]) }, { png: await solid(8, 8, [0, 255, 0, 255]), x: 4 }]);
      expect(await readApng(apng, 64)).toMatchObject({ width: 8, height: 8, total: 2, partial: true, frames: [{ width: 8, height: 8 }] });
    });
  });
});

describe('renderApng', () => {
  describe('when a smaller frame is drawn over the previous one', () => {
    it('replaces its pixels (blend source) or composites over them (blend over)', async () => {
      const red = await solid(8, 8, [255, 0, 0, 255]);
      const halfBlue = await solid(4, 4, [0, 0, 255, 128]);
      const apng = await buildApng(red, [{ png: red }, { png: halfBlue, x: 2, y: 2, blend: 1 }, { png: halfBlue, x: 2, y: 2, blend: 0 }]);
      const { pixels, partial } = await renderedAt(apng, 3, 3);
      expect(partial).toBe(false);
      expect(pixels).toEqual([
        [255, 0, 0, 255],
        [127, 0, 128, 255],
        [0, 0, 255, 128],
      ]);
    });
  });

  describe('when a frame disposes of itself', () => {
    it('clears its area to transparent (background) or restores what was under it (previous)', async () => {
      const red = await solid(8, 8, [255, 0, 0, 255]);
      const green = await solid(4, 4, [0, 255, 0, 255]);
      const nothing = await solid(1, 1, [0, 0, 0, 0]);
      const apng = await buildApng(red, [
        { png: red },
        { png: green, x: 2, y: 2, dispose: 2 },
        { png: nothing, blend: 1 },
        { png: green, x: 2, y: 2, dispose: 1 },
        { png: nothing, blend: 1 },
      ]);
      const { pixels } = await renderedAt(apng, 3, 3);
      expect(pixels).toEqual([
        [255, 0, 0, 255],
        [0, 255, 0, 255],
        [255, 0, 0, 255],
        [0, 255, 0, 255],
        [0, 0, 0, 0],
      ]);
    });
  });
});
