import { beforeAll, describe, expect, it } from 'vitest';
import { applyTransform, createRng, findTransform, generateImage } from '../../fixtures/index.ts';
import { CROP_GRID, cropBox } from './crop-variants.ts';
import { hashImage } from './hash-image.ts';
import type { HashedImage } from './hash-image.ts';
import { pdq } from './registry.ts';

const THRESHOLD = pdq.defaultThreshold;

function nearest(original: HashedImage, query: Uint8Array): number {
  const own = original.results[0]?.hash;
  if (own === undefined || original.crops === undefined) throw new Error('no hashes');
  return Math.min(pdq.distance(own, query), ...original.crops.map((v) => pdq.distance(v.hash, query)));
}

async function pdqOf(bytes: Buffer): Promise<Uint8Array> {
  const hash = (await hashImage(bytes)).results[0]?.hash;
  if (hash === undefined) throw new Error('no hash');
  return hash;
}

describe('crop variants', () => {
  let image: Buffer;
  let original: HashedImage;
  beforeAll(async () => {
    image = await generateImage({ family: 'scenes', seed: 11, width: 1024, height: 768, format: 'jpeg' });
    original = await hashImage(image, { crops: true });
  });

  it('hashes every crop of the grid, with its box in full-resolution pixels', () => {
    expect(original.crops?.map((v) => v.name)).toEqual(CROP_GRID.map((v) => v.name));
    const all4 = original.crops?.find((v) => v.name === 'all-4');
    // The `fast` decode works on a reduced image: the box is that crop's, scaled back, within a reduced pixel.
    for (const [found, truth] of (all4?.box ?? []).map((value, i) => [value, [41, 31, 942, 706][i] ?? 0] as const)) expect(Math.abs(found - truth)).toBeLessThanOrEqual(8);
  });

  describe.each([
    ['crop-side', 5],
    ['crop', 5],
    ['crop-offset', 2.5],
  ])('when a copy is cut by %s %s %', (name, strength) => {
    it('matches through a variant, where the original hash alone does not', async () => {
      const copy = await pdqOf(await applyTransform(findTransform(name), image, strength, createRng(3)));
      const own = original.results[0]?.hash ?? new Uint8Array(32);
      expect(pdq.distance(own, copy)).toBeGreaterThan(THRESHOLD);
      expect(nearest(original, copy)).toBeLessThanOrEqual(THRESHOLD);
    });
  });

  describe('when the query is an unrelated picture', () => {
    it('matches no variant', async () => {
      const other = await pdqOf(await generateImage({ family: 'scenes', seed: 12, width: 1024, height: 768, format: 'jpeg' }));
      expect(nearest(original, other)).toBeGreaterThan(2 * THRESHOLD);
    });
  });

  describe('when the picture is only asked for exact hashes', () => {
    it('computes no variant', async () => {
      expect((await hashImage(image, { algorithms: ['md5'], crops: true })).crops).toBeUndefined();
      expect((await hashImage(image, { algorithms: ['phash64'], crops: true })).crops).toBeUndefined();
    });
  });
});

describe('cropBox', () => {
  it.each([
    [{ left: 0.1, top: 0, right: 0, bottom: 0 }, [100, 0, 900, 500]],
    [{ left: 0.04, top: 0.04, right: 0.04, bottom: 0.04 }, [40, 20, 920, 460]],
    [{ left: 0, top: 0, right: 0.1, bottom: 0.1 }, [0, 0, 900, 450]],
  ] as const)('keeps %o of 1000x500 as %o', (crop, box) => {
    expect(cropBox(1000, 500, crop)).toEqual(box);
  });

  it('never keeps an empty window', () => {
    expect(cropBox(3, 3, { left: 0.6, top: 0.6, right: 0.6, bottom: 0.6 })).toEqual([2, 2, 1, 1]);
  });
});
