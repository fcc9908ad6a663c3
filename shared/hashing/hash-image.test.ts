import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticPhotoPixels } from '../../fixtures/synthetic-photo.ts';
import { formatHex, hammingDistance } from './bits.ts';
import { hashImage, hashPixels } from './hash-image.ts';
import { ImageInputError } from './image-input.ts';
import { md5, pdq, sha256 } from './registry.ts';

let photo: Uint8Array;
let png: Buffer;
let jpeg: Buffer;
beforeAll(async () => {
  photo = await syntheticPhotoPixels({ width: 1000, height: 750, seed: 8 });
  png = await sharp(photo, { raw: { width: 1000, height: 750, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
  jpeg = await sharp(photo, { raw: { width: 1000, height: 750, channels: 3 } }).jpeg({ quality: 90, progressive: true }).toBuffer();
});

describe('hashImage', () => {
  it('computes PDQ by default', async () => {
    const { results, image } = await hashImage(png);
    expect(results.map((r) => r.algorithm)).toEqual(['pdq']);
    expect(results[0]?.quality).toBe(100);
    expect(image).toEqual({ format: 'png', width: 1000, height: 750, decodedWidth: 1000, decodedHeight: 750, partial: false });
  });

  it('returns results in the order asked for', async () => {
    const { results } = await hashImage(png, { algorithms: ['sha256', 'dhash64', 'pdq', 'md5', 'phash64'] });
    expect(results.map((r) => r.algorithm)).toEqual(['sha256', 'dhash64', 'pdq', 'md5', 'phash64']);
    expect(results.map((r) => r.hash.length)).toEqual([32, 8, 32, 16, 8]);
    expect(results.filter((r) => r.quality !== undefined).map((r) => r.algorithm)).toEqual(['dhash64', 'pdq']);
  });

  it('hashes the pixels exactly as hashPixels does in exact mode', async () => {
    const { results } = await hashImage(png, { mode: 'exact', algorithms: ['pdq', 'phash64', 'dhash64'] });
    expect(results).toEqual(hashPixels({ width: 1000, height: 750, channels: 3, data: photo }, { algorithms: ['pdq', 'phash64', 'dhash64'] }));
  });

  it('returns the 8 dihedral hashes on request, the original first', async () => {
    const [result] = (await hashImage(jpeg, { dihedral: true })).results;
    expect(result?.dihedrals).toHaveLength(8);
    expect(result?.dihedrals?.[0]).toEqual(result?.hash);
  });

  it('decodes a JPEG of at most 1024x1024 whole in fast mode, so fast and exact agree', async () => {
    const algorithms = ['pdq', 'phash64', 'dhash64'] as const;
    const exact = await hashImage(jpeg, { mode: 'exact', algorithms });
    const fast = await hashImage(jpeg, { mode: 'fast', algorithms });
    expect(fast.image?.decodedWidth).toBe(1000);
    expect(fast.results).toEqual(exact.results);
  });

  it('keeps fast within a few bits of exact for every perceptual hash when it reduces', async () => {
    const algorithms = ['pdq', 'phash64', 'dhash64'] as const;
    const large = await sharp(photo, { raw: { width: 1000, height: 750, channels: 3 } }).resize(2000, 1500).jpeg({ quality: 90, progressive: true }).toBuffer();
    const exact = await hashImage(large, { mode: 'exact', algorithms });
    const fast = await hashImage(large, { mode: 'fast', algorithms });
    expect(fast.image?.decodedWidth).toBe(222); // progressive: 1/8 by the decoder from the DC scans, then to 1/9
    const limits = [10, 4, 4];
    fast.results.forEach((r, i) => expect(hammingDistance(r.hash, exact.results[i]?.hash ?? new Uint8Array(0))).toBeLessThanOrEqual(limits[i] ?? 0));
  });

  it('hashes the file bytes for md5 and sha256 without decoding them', async () => {
    const text = new TextEncoder().encode('abc');
    const { results, image } = await hashImage(text, { algorithms: ['md5', 'sha256'] });
    expect(image).toBeUndefined();
    expect(results.map((r) => formatHex(r.hash))).toEqual([md5.examples[1], sha256.examples[1]]);
  });

  it('refuses a non-image when a perceptual hash is asked for', async () => {
    await expect(hashImage(new TextEncoder().encode('abc'), { algorithms: ['md5', 'pdq'] })).rejects.toThrow(ImageInputError);
  });

  it('gives a 1x1 image defined hashes: PDQ all zero with quality 0', async () => {
    const one = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).png().toBuffer();
    for (const mode of ['exact', 'fast'] as const) {
      const { results } = await hashImage(one, { mode, algorithms: ['pdq', 'phash64', 'dhash64'], dihedral: true });
      expect(results.map((r) => [r.algorithm, formatHex(r.hash), r.quality])).toEqual([
        ['pdq', pdq.examples[0], 0],
        ['phash64', '0000000000000000', undefined],
        ['dhash64', '0000000000000000', 0],
      ]);
    }
  });
});

describe('hashPixels', () => {
  it('hashes grey the same whether given as one channel or with alpha', () => {
    const grey = new Uint8Array(300 * 200).map((_, i) => (i * 7919) % 251);
    const withAlpha = new Uint8Array(grey.length * 2);
    grey.forEach((v, i) => withAlpha.set([v, 255 - v], 2 * i));
    const algorithms = ['pdq', 'phash64', 'dhash64'] as const;
    expect(hashPixels({ width: 300, height: 200, channels: 2, data: withAlpha }, { algorithms })).toEqual(
      hashPixels({ width: 300, height: 200, channels: 1, data: grey }, { algorithms }),
    );
  });
});
