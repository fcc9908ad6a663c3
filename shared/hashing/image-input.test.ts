import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticPhotoPixels } from '../../fixtures/synthetic-photo.ts';
import { hammingDistance } from './bits.ts';
import { decodeImage, ImageInputError, readImageHeader } from './image-input.ts';
import type { DecodedImage, DecodeMode, ImageInputCode } from './image-input.ts';
import { lumaFromPixels } from './luma.ts';
import type { PixelImage } from './luma.ts';
import { pdqFromLuma } from './pdq.ts';

const WIDTH = 320;
const HEIGHT = 240;
let photo: Uint8Array;
const raw = (width = WIDTH, height = HEIGHT, channels: 1 | 2 | 3 | 4 = 3) => ({ raw: { width, height, channels } });

beforeAll(async () => {
  photo = await syntheticPhotoPixels({ width: WIDTH, height: HEIGHT, seed: 11 });
});

async function codeOf(promise: Promise<unknown>): Promise<ImageInputCode | 'no error'> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    if (error instanceof ImageInputError) return error.code;
    throw error;
  }
}

const pdqOf = (image: PixelImage): Uint8Array => pdqFromLuma(lumaFromPixels(image)).hash;

/** A PNG whose IHDR claims width x height, followed by a few bytes of (far too little) image data. */
function pngClaiming(width: number, height: number): Uint8Array {
  const chunk = (type: string, body: Uint8Array): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('decodeImage', () => {
  describe.each(['exact', 'fast'] as DecodeMode[])('in %s mode', (mode) => {
    describe('when the input is not a usable image', () => {
      it('refuses an empty file with IMAGE_EMPTY', async () => {
        expect(await codeOf(decodeImage(new Uint8Array(0), { mode }))).toBe('IMAGE_EMPTY');
      });

      it('refuses a text file with IMAGE_UNSUPPORTED', async () => {
        expect(await codeOf(decodeImage(new TextEncoder().encode('hash lists are not images\n'), { mode }))).toBe('IMAGE_UNSUPPORTED');
      });

      it('refuses an SVG (a format we do not accept) with IMAGE_UNSUPPORTED', async () => {
        const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>';
        expect(await codeOf(decodeImage(new TextEncoder().encode(svg), { mode }))).toBe('IMAGE_UNSUPPORTED');
      });

      it.each([
        ['baseline', false],
        ['progressive', true],
      ])('refuses a truncated %s JPEG with IMAGE_CORRUPT', async (_kind, progressive) => {
        const big = await syntheticPhotoPixels({ width: 1200, height: 900, seed: 3 });
        const jpeg = await sharp(big, raw(1200, 900)).jpeg({ quality: 90, progressive }).toBuffer();
        expect(await codeOf(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), { mode }))).toBe('IMAGE_CORRUPT');
      });

      describe('when asked to be tolerant', () => {
        it.each([
          ['baseline', false],
          ['progressive', true],
        ])('decodes a %s JPEG without its end marker to the complete pixels, flagged partial', async (_kind, progressive) => {
          const jpeg = await sharp(photo, raw()).jpeg({ quality: 90, progressive }).toBuffer();
          const complete = await decodeImage(jpeg, { mode });
          const cut = await decodeImage(jpeg.subarray(0, jpeg.length - 2), { mode, tolerant: true });
          expect([complete.partial, cut.partial]).toEqual([false, true]);
          expect(Buffer.from(cut.data).equals(Buffer.from(complete.data))).toBe(true);
        });

        it('decodes a JPEG cut in half as far as it goes, and still refuses one cut inside its header', async () => {
          const jpeg = await sharp(photo, raw()).jpeg({ quality: 90 }).toBuffer();
          const half = await decodeImage(jpeg.subarray(0, jpeg.length >> 1), { mode, tolerant: true });
          expect([half.width > 0, half.partial]).toEqual([true, true]);
          expect(await codeOf(decodeImage(jpeg.subarray(0, 200), { mode, tolerant: true }))).toBe('IMAGE_CORRUPT');
        });
      });

      it('refuses a PNG whose header claims 50000x50000 with IMAGE_TOO_LARGE, before decoding', async () => {
        const started = performance.now();
        expect(await codeOf(decodeImage(pngClaiming(50000, 50000), { mode }))).toBe('IMAGE_TOO_LARGE');
        expect(performance.now() - started).toBeLessThan(2000);
      });

      it('applies a configured pixel limit', async () => {
        const png = await sharp(photo, raw()).png().toBuffer();
        expect(await codeOf(decodeImage(png, { mode, maxPixels: WIDTH * HEIGHT - 1 }))).toBe('IMAGE_TOO_LARGE');
        expect(await codeOf(decodeImage(png, { mode, maxPixels: WIDTH * HEIGHT }))).toBe('no error');
      });
    });

    it('decodes a 1x1 image', async () => {
      const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#336699' } }).png().toBuffer();
      const image = await decodeImage(png, { mode });
      expect([image.width, image.height, image.channels]).toEqual([1, 1, 3]);
      expect(Array.from(image.data)).toEqual([0x33, 0x66, 0x99]);
    });

    it('takes the first frame of an animated GIF', async () => {
      const frame = (colour: string) => sharp({ create: { width: 48, height: 32, channels: 3, background: colour } }).png().toBuffer();
      const gif = await sharp([await frame('#ff0000'), await frame('#0000ff')], { join: { animated: true } }).gif().toBuffer();
      expect((await sharp(gif).metadata()).pages).toBe(2);
      const image = await decodeImage(gif, { mode });
      expect([image.width, image.height, image.format]).toEqual([48, 32, 'gif']);
      expect(Array.from(image.data.subarray(0, 3))).toEqual([255, 0, 0]);
    });
  });

  describe('formats', () => {
    let reference: Uint8Array;
    beforeAll(async () => {
      reference = pdqOf({ width: WIDTH, height: HEIGHT, channels: 3, data: photo });
    });

    it.each([
      ['jpeg', (s: Sharp) => s.jpeg({ quality: 92 }), 6],
      ['png', (s: Sharp) => s.png(), 0],
      ['webp', (s: Sharp) => s.webp({ lossless: true }), 0],
      ['gif', (s: Sharp) => s.gif(), 12],
      ['avif', (s: Sharp) => s.avif({ quality: 80 }), 12],
      ['tiff', (s: Sharp) => s.tiff(), 0],
    ] as const)('decodes %s to the pixels it holds (PDQ within %i bits of the source)', async (format, encode, bits) => {
      const bytes = await encode(sharp(photo, raw())).toBuffer();
      const image = await decodeImage(bytes, { mode: 'exact' });
      expect([image.format, image.width, image.height, image.channels]).toEqual([format, WIDTH, HEIGHT, 3]);
      expect(hammingDistance(pdqOf(image), reference)).toBeLessThanOrEqual(bits);
    });
  });

  describe('pixel kinds', () => {
    it('keeps grey as one channel', async () => {
      const grey = await sharp(photo, raw()).toColourspace('b-w').png().toBuffer();
      expect((await sharp(grey).metadata()).channels).toBe(1);
      const image = await decodeImage(grey, { mode: 'exact' });
      expect(image.channels).toBe(1);
      const expected = await sharp(grey).extractChannel(0).raw().toBuffer();
      expect(Buffer.from(image.data).equals(expected)).toBe(true);
    });

    it('clips 16-bit grey at 255, as PIL converts mode I;16', async () => {
      const samples = new Uint16Array([0, 1, 200, 255, 256, 1000, 65535, 128, 12, 255, 254, 30000, 7, 77, 777, 7777]);
      const png = await sharp(samples, { raw: { width: 4, height: 4, channels: 1 } })
        .toColourspace('grey16')
        .png()
        .toBuffer();
      expect((await sharp(png).metadata()).depth).toBe('ushort');
      const image = await decodeImage(png, { mode: 'exact' });
      expect(image.channels).toBe(1);
      expect(Array.from(image.data)).toEqual(Array.from(samples, (v) => Math.min(v, 255)));
    });

    it('drops alpha without compositing: fully transparent pixels keep their colour', async () => {
      const rgba = new Uint8Array(WIDTH * HEIGHT * 4);
      for (let i = 0; i < WIDTH * HEIGHT; i++) rgba.set([photo[3 * i] ?? 0, photo[3 * i + 1] ?? 0, photo[3 * i + 2] ?? 0, i % 2 === 0 ? 0 : 255], 4 * i);
      const png = await sharp(rgba, raw(WIDTH, HEIGHT, 4)).png().toBuffer();
      const image = await decodeImage(png, { mode: 'exact' });
      expect(image.channels).toBe(3);
      expect(Buffer.from(image.data).equals(Buffer.from(photo))).toBe(true);
    });

    it('converts CMYK to RGB', async () => {
      const cmyk = await sharp(photo, raw()).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
      expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
      const image = await decodeImage(cmyk, { mode: 'exact' });
      expect(image.channels).toBe(3);
      expect(hammingDistance(pdqOf(image), pdqOf({ width: WIDTH, height: HEIGHT, channels: 3, data: photo }))).toBeLessThanOrEqual(12);
    });
  });

  describe('EXIF orientation', () => {
    it.each([
      [6, 90],
      [3, 180],
      [8, 270],
    ])('shows orientation %i as displayed (the stored pixels turned %i degrees)', async (orientation, degrees) => {
      const stored = await sharp(photo, raw()).withMetadata({ orientation }).png().toBuffer();
      const displayed = await sharp(photo, raw()).rotate(degrees).raw().toBuffer({ resolveWithObject: true });
      for (const mode of ['exact', 'fast'] as const) {
        const image: DecodedImage = await decodeImage(stored, { mode });
        expect([image.width, image.height]).toEqual([displayed.info.width, displayed.info.height]);
        expect(Buffer.from(image.data).equals(displayed.data)).toBe(true);
      }
    });

    it('orients a JPEG before the fast path shrinks it', async () => {
      const big = await syntheticPhotoPixels({ width: 1200, height: 900, seed: 5 });
      const jpeg = await sharp(big, raw(1200, 900)).withMetadata({ orientation: 6 }).jpeg({ quality: 92 }).toBuffer();
      const upright = await sharp(big, raw(1200, 900)).rotate(90).raw().toBuffer();
      const header = await readImageHeader(jpeg);
      expect([header.width, header.height, header.displayWidth, header.displayHeight]).toEqual([1200, 900, 900, 1200]);
      const image = await decodeImage(jpeg, { mode: 'fast' });
      expect([image.sourceWidth, image.sourceHeight, image.width, image.height]).toEqual([900, 1200, 300, 400]);
      const fast = pdqFromLuma(lumaFromPixels(image), { source: { width: 900, height: 1200 } });
      expect(hammingDistance(fast.hash, pdqOf({ width: 900, height: 1200, channels: 3, data: upright }))).toBeLessThanOrEqual(10);
    });
  });

  describe('the fast path', () => {
    it.each([
      [2000, 1500, false, 400, 300], // baseline: 1/4 by the decoder, then to 1/5 (libvips only scales by 4 when asked for 5)
      [2400, 1800, false, 266, 200], // 1/8, then to 1/9
      [2000, 1500, true, 222, 166], // progressive: 1/8 from the DC scans, then to 1/9
      [2400, 1800, true, 256, 192], // ... and further to 192 px on the shorter side
      [1280, 960, true, 142, 106],
      [1280, 960, false, 256, 192], // 1/4, then to 1/5
    ])('reduces a %ix%i JPEG (progressive: %s) while decoding to %ix%i and reports the full size', async (width, height, progressive, w, h) => {
      const big = await syntheticPhotoPixels({ width, height, seed: 9 });
      const jpeg = await sharp(big, raw(width, height)).jpeg({ quality: 90, progressive }).toBuffer();
      const image = await decodeImage(jpeg, { mode: 'fast' });
      expect([image.width, image.height, image.sourceWidth, image.sourceHeight]).toEqual([w, h, width, height]);
    });

    it.each([
      [1024, 1024],
      [1000, 750],
      [600, 450],
    ])('decodes a %ix%i JPEG whole, as exact does', async (width, height) => {
      const big = await syntheticPhotoPixels({ width, height, seed: 9 });
      const jpeg = await sharp(big, raw(width, height)).jpeg({ quality: 90 }).toBuffer();
      const fast = await decodeImage(jpeg, { mode: 'fast' });
      const exact = await decodeImage(jpeg, { mode: 'exact' });
      expect([fast.width, fast.height]).toEqual([width, height]);
      expect(Buffer.from(fast.data).equals(Buffer.from(exact.data))).toBe(true);
    });

    it('decodes small JPEGs, PNG and other formats at full size', async () => {
      const jpeg = await sharp(photo, raw()).jpeg().toBuffer();
      const small = await decodeImage(jpeg, { mode: 'fast' });
      expect([small.width, small.height]).toEqual([WIDTH, HEIGHT]);
      const big = await syntheticPhotoPixels({ width: 1200, height: 900, seed: 3 });
      const png = await sharp(big, raw(1200, 900)).png({ compressionLevel: 1 }).toBuffer();
      const image = await decodeImage(png, { mode: 'fast' });
      expect([image.width, image.height]).toEqual([1200, 900]);
    });
  });
});
