import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticPhotoPixels } from '../../fixtures/synthetic-photo.ts';
import { vectorsDir } from '../testing/vectors.ts';
import { progressiveJpegForEighthScale } from './progressive-jpeg.ts';

const W = 1000;
const H = 760;
let photo: Uint8Array;

beforeAll(async () => {
  photo = await syntheticPhotoPixels({ width: W, height: H, seed: 21 });
});

/** Decodes at 1/8 scale the way the fast path does: libvips scales by 8 when asked for 1/9 or less. */
async function eighthScale(jpeg: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(jpeg, { failOn: 'warning' })
    .resize(Math.floor(width / 9), Math.floor(height / 9), { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
}

function expectSamePixelsAtEighthScale(name: string) {
  return async (encode: (s: Sharp) => Sharp): Promise<void> => {
    const jpeg = await encode(sharp(photo, { raw: { width: W, height: H, channels: 3 } })).toBuffer();
    const reduced = progressiveJpegForEighthScale(jpeg);
    if (reduced === undefined) throw new Error(`${name}: not reduced`);
    expect(reduced.length).toBeLessThan(jpeg.length * 0.6);
    const [a, b] = [await eighthScale(jpeg, W, H), await eighthScale(reduced, W, H)];
    expect(a.length).toBe(Math.floor(W / 9) * Math.floor(H / 9) * 3); // sharp's raw output is RGB here, grey included
    expect(b.equals(a)).toBe(true);
  };
}

describe('progressiveJpegForEighthScale', () => {
  describe('when given a progressive JPEG', () => {
    it('decodes to the same pixels at 1/8 scale with 4:2:0 chroma', async () => {
      await expectSamePixelsAtEighthScale('4:2:0')((s) => s.jpeg({ quality: 90, progressive: true }));
    });

    it('decodes to the same pixels at 1/8 scale with 4:4:4 chroma', async () => {
      await expectSamePixelsAtEighthScale('4:4:4')((s) => s.jpeg({ quality: 90, progressive: true, chromaSubsampling: '4:4:4' }));
    });

    it('decodes to the same pixels at 1/8 scale for grey', async () => {
      await expectSamePixelsAtEighthScale('grey')((s) => s.toColourspace('b-w').jpeg({ quality: 90, progressive: true }));
    });

    it('decodes to the same pixels at 1/8 scale with mozjpeg scan scripts', async () => {
      await expectSamePixelsAtEighthScale('mozjpeg')((s) => s.jpeg({ quality: 85, mozjpeg: true }));
    });

    it('handles more blocks than one end-of-band run can cover (32767)', async () => {
      const big = await syntheticPhotoPixels({ width: 1800, height: 1200, seed: 4 }); // 33750 luma blocks
      const jpeg = await sharp(big, { raw: { width: 1800, height: 1200, channels: 3 } }).jpeg({ quality: 80, progressive: true }).toBuffer();
      const reduced = progressiveJpegForEighthScale(jpeg);
      if (reduced === undefined) throw new Error('not reduced');
      expect((await eighthScale(reduced, 1800, 1200)).equals(await eighthScale(jpeg, 1800, 1200))).toBe(true);
    });
  });

  describe('when the JPEG is not one it can reduce', () => {
    it('returns undefined for a baseline JPEG', async () => {
      const jpeg = await sharp(photo, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
      expect(progressiveJpegForEighthScale(jpeg)).toBeUndefined();
    });

    it('returns undefined for a truncated progressive JPEG', async () => {
      const jpeg = await sharp(photo, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 90, progressive: true }).toBuffer();
      for (const keep of [0.9, 0.5, 0.1]) expect(progressiveJpegForEighthScale(jpeg.subarray(0, Math.floor(jpeg.length * keep)))).toBeUndefined();
    });

    it('returns undefined when restart markers are in use', async () => {
      const jpeg = await sharp(photo, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 90, progressive: true }).toBuffer();
      // Insert DRI (restart every 4 MCUs) after SOI: a form the rewrite does not attempt.
      const withRestart = Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xdd, 0, 4, 0, 4]), jpeg.subarray(2)]);
      expect(progressiveJpegForEighthScale(withRestart)).toBeUndefined();
    });

    it.each([
      ['empty', new Uint8Array(0)],
      ['not a JPEG', new TextEncoder().encode('GIF89a and so on')],
      ['a bare SOI', Uint8Array.of(0xff, 0xd8)],
      ['a segment running past the end', Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 0)],
    ])('returns undefined for %s', (_what, bytes) => {
      expect(progressiveJpegForEighthScale(bytes)).toBeUndefined();
    });
  });

  const dir = vectorsDir('pdq');
  describe.skipIf(dir === null)('on the progressive bridge vectors', () => {
    it.each([2, 3, 4, 5, 6, 7, 8])('bridge-%i decodes to the same pixels at 1/8 scale from a fifth of the bytes', async (k) => {
      const folder = join(dir ?? '', 'pdq/data/reg-test-input/dih');
      const name = ['', '', 'rotate-90', 'rotate-180', 'rotate-270', 'flipx', 'flipy', 'flip-plus-1', 'flip-minus-1'][k];
      const jpeg = readFileSync(join(folder, `bridge-${k}-${name}.jpg`));
      const { width = 0, height = 0 } = await sharp(jpeg).metadata();
      const reduced = progressiveJpegForEighthScale(jpeg);
      if (reduced === undefined) throw new Error('not reduced');
      expect(reduced.length).toBeLessThan(jpeg.length / 4);
      expect((await eighthScale(reduced, width, height)).equals(await eighthScale(jpeg, width, height))).toBe(true);
    });
  });
});
