import { decode } from 'blurhash';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { generateImage } from '../../fixtures/index.ts';
import { previewComponents } from '../../shared/testing/preview.ts';
import { parsePreview } from '../../shared/wire/report.ts';
import { buildApng } from '../../shared/hashing/testing/apng.ts';
import { computePreview } from './preview.ts';

/** Synthetic pictures only (fixtures/): painted from seeds, never real imagery. */
const scene = (width = 320, height = 240, seed = 7): Promise<Buffer> => generateImage({ family: 'scenes', seed, width, height, format: 'png' });

async function rgb(png: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const png = (data: Uint8Array, width: number, height: number, channels: 1 | 3 | 4 = 3): Promise<Buffer> => sharp(Buffer.from(data), { raw: { width, height, channels } }).png().toBuffer();

/** Mean absolute difference per channel value (0..255) between two decoded previews. */
function previewDistance(a: string, b: string): number {
  const pa = decode(a, 32, 24);
  const pb = decode(b, 32, 24);
  let sum = 0;
  for (let i = 0; i < pa.length; i++) if (i % 4 !== 3) sum += Math.abs((pa[i] ?? 0) - (pb[i] ?? 0));
  return sum / ((pa.length / 4) * 3);
}

describe('preview', () => {
  describe('of an image', () => {
    it('is a 4x3 blurhash the Centre accepts, for a landscape image', async () => {
      const preview = await computePreview(await scene());
      expect(preview).toHaveLength(28);
      expect(parsePreview(preview, 'preview')).toBe(preview);
      expect(previewComponents(preview)).toEqual({ x: 4, y: 3 });
    });

    it('is 3x4 for a portrait image', async () => {
      expect(previewComponents(await computePreview(await scene(240, 320)))).toEqual({ x: 3, y: 4 });
    });

    it('is the same for the same image', async () => {
      const image = await scene();
      expect(await computePreview(image)).toBe(await computePreview(image));
    });

    it('reads grey, transparent, tiny, JPEG and WebP images', async () => {
      const grey = await png(Buffer.alloc(64 * 48, 90), 64, 48, 1);
      const transparent = await png(Buffer.alloc(40 * 30 * 4, 0), 40, 30, 4);
      const tiny = await png(Buffer.from([255, 0, 0, 0, 0, 255]), 2, 1);
      for (const image of [grey, transparent, tiny, await generateImage({ family: 'textures', seed: 3, width: 200, height: 150, format: 'jpeg' }), await generateImage({ family: 'gradients', seed: 3, width: 200, height: 150, format: 'webp' })]) {
        expect(parsePreview(await computePreview(image), 'preview')).toMatch(/^.{28}$/);
      }
    });
  });

  describe('of a truncated image', () => {
    it('shows what decodes, as a browser would (a JPEG without its end marker previews as the whole)', async () => {
      const jpeg = await generateImage({ family: 'scenes', seed: 8, width: 320, height: 240, format: 'jpeg' });
      expect(await computePreview(jpeg.subarray(0, jpeg.length - 2))).toBe(await computePreview(jpeg));
    });
  });

  describe('of an animated image', () => {
    it('shows the frame asked for (the one that matched), the first by default', async () => {
      const red = await png(Buffer.alloc(64 * 48 * 3).map((_, i) => (i % 3 === 0 ? 220 : 20)), 64, 48);
      const blue = await png(Buffer.alloc(64 * 48 * 3).map((_, i) => (i % 3 === 2 ? 220 : 20)), 64, 48);
      const gif = await sharp([red, blue], { join: { animated: true } }).gif().toBuffer();
      expect(previewDistance(await computePreview(gif), await computePreview(red))).toBeLessThan(8);
      expect(previewDistance(await computePreview(gif, { frame: 1 }), await computePreview(blue))).toBeLessThan(8);
    });
  });

  describe('of an animated PNG', () => {
    it('shows the animation\'s frame, as a browser plays it, not the default image libvips reads', async () => {
      const red = await png(Buffer.alloc(64 * 48 * 3).map((_, i) => (i % 3 === 0 ? 220 : 20)), 64, 48);
      const green = await png(Buffer.alloc(64 * 48 * 3).map((_, i) => (i % 3 === 1 ? 220 : 20)), 64, 48);
      const blue = await png(Buffer.alloc(64 * 48 * 3).map((_, i) => (i % 3 === 2 ? 220 : 20)), 64, 48);
      const apng = await buildApng(red, [{ png: green }, { png: blue }]);
      expect(previewDistance(await computePreview(apng), await computePreview(green))).toBeLessThan(8);
      expect(previewDistance(await computePreview(apng, { frame: 1 }), await computePreview(blue))).toBeLessThan(8);
    });
  });

  describe('what it shows', () => {
    it('keeps the overall colours apart', async () => {
      const red = await png(Buffer.alloc(64 * 48 * 3).map((_, i) => (i % 3 === 0 ? 220 : 20)), 64, 48);
      const blue = await png(Buffer.alloc(64 * 48 * 3).map((_, i) => (i % 3 === 2 ? 220 : 20)), 64, 48);
      expect(previewDistance(await computePreview(red), await computePreview(blue))).toBeGreaterThan(100);
    });

    it('loses fine detail: a 1-pixel pattern over the whole image barely moves it', async () => {
      const base = await rgb(await scene());
      const detailed = Buffer.from(base.data);
      let pixelDifference = 0;
      for (let i = 0; i < detailed.length; i++) {
        const x = Math.floor(i / 3) % base.width;
        const y = Math.floor(i / 3 / base.width);
        const before = detailed[i] ?? 0;
        detailed[i] = Math.max(0, Math.min(255, before + ((x + y) % 2 === 0 ? 60 : -60)));
        pixelDifference += Math.abs((detailed[i] ?? 0) - before);
      }
      expect(pixelDifference / detailed.length).toBeGreaterThan(40);
      const a = await computePreview(await png(base.data, base.width, base.height));
      const b = await computePreview(await png(detailed, base.width, base.height));
      expect(previewDistance(a, b)).toBeLessThan(8);
    });

    it('loses small shapes: a high-contrast mark on 1% of the image barely moves it', async () => {
      const base = await rgb(await scene());
      const marked = Buffer.from(base.data);
      for (let y = 100; y < 124; y++) for (let x = 150; x < 182; x++) marked.fill(x % 4 < 2 ? 0 : 255, (y * base.width + x) * 3, (y * base.width + x) * 3 + 3);
      const a = await computePreview(await png(base.data, base.width, base.height));
      const b = await computePreview(await png(marked, base.width, base.height));
      expect(previewDistance(a, b)).toBeLessThan(8);
    });

    it('renders a fine checkerboard exactly as a flat grey image', async () => {
      const board = Buffer.alloc(256 * 192).map((_, i) => ((Math.floor((i % 256) / 2) + Math.floor(Math.floor(i / 256) / 2)) % 2 === 0 ? 0 : 255));
      const grey = Buffer.alloc(256 * 192, 128);
      expect(await computePreview(await png(board, 256, 192, 1))).toBe(await computePreview(await png(grey, 256, 192, 1)));
    });
  });

  describe('of bytes that are not an image', () => {
    it.each([
      ['text', new TextEncoder().encode('hello, not an image')],
      ['nothing', new Uint8Array(0)],
      ['a truncated PNG', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
    ])('refuses %s with PREVIEW_UNDECODABLE', async (_name, bytes) => {
      await expect(computePreview(bytes)).rejects.toMatchObject({ code: 'PREVIEW_UNDECODABLE' });
    });

    it('refuses an image over the pixel limit before decoding it', async () => {
      await expect(computePreview(await scene(), { maxPixels: 1000 })).rejects.toMatchObject({ code: 'PREVIEW_UNDECODABLE' });
    });
  });
});
