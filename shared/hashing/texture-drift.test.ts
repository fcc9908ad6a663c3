/**
 * The `fast` decode path against `exact` on fine periodic textures (bricks,
 * gravel, grass, stripes and checks of 2 to 6 px): a reduced decode loses
 * the grain that PDQ's own narrow filter samples at full resolution, and the
 * hash of a brick wall then moved by a quarter to half of its bits. Within
 * 10 bits of `exact` is the rule the reference vectors are held to
 * (fast-drift.test.ts).
 *
 * Pictures of up to 1024x1024 (the 256 to 1024 px) are now decoded
 * whole by `fast`, so they are held to the rule always. Larger JPEGs are
 * still reduced, to keep the speed target (docs/HASHING.md, "Fine
 * textures"): a baseline file at 1/4, a progressive one from its DC scans at
 * 1/8. There fine texture still drifts (issue 16, deliverable 1, an open
 * defect): those cases run with HASHFEED_KNOWN_DEFECTS=1 and some fail.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FINE_TEXTURE_FAMILY_NAMES, generateImage } from '../../fixtures/index.ts';
import { hammingDistance } from './bits.ts';
import { hashImage } from './hash-image.ts';
import { FAST_WHOLE_MAX_PIXELS } from './image-input.ts';

// Sizes from 256 to 1024 px, square and not, so that every shrink-on-load scale (1/2, 1/4, 1/8) is taken.
const SIZES: readonly (readonly [number, number])[] = [
  [256, 256],
  [512, 512],
  [640, 480],
  [1024, 768],
  [768, 1024],
];
const SEEDS = [1, 2];
const FORMATS = ['jpeg', 'png'] as const;

const cases = FINE_TEXTURE_FAMILY_NAMES.flatMap((family) =>
  SIZES.flatMap(([width, height], i) => FORMATS.map((format) => ({ family, width, height, format, progressive: false, seed: SEEDS[i % SEEDS.length] ?? 1 }))),
);
// Larger than `fast` decodes whole (image-input.ts): reduced while decoding.
const LARGE_SIZES: readonly (readonly [number, number])[] = [
  [1600, 1004],
  [2000, 1500],
];
const largeCases = FINE_TEXTURE_FAMILY_NAMES.flatMap((family) =>
  LARGE_SIZES.flatMap(([width, height], i) => [false, true].map((progressive) => ({ family, width, height, format: 'jpeg' as const, progressive, seed: SEEDS[i % SEEDS.length] ?? 1 }))),
);

/** The fixture, as its own format, or for a progressive case as a progressive JPEG (quality 90) of its pixels. */
async function encode(spec: (typeof cases)[number]): Promise<Buffer> {
  if (!spec.progressive) return generateImage(spec);
  const png = await generateImage({ ...spec, format: 'png' });
  return sharp(png).jpeg({ quality: 90, progressive: true }).toBuffer();
}

async function drift(spec: (typeof cases)[number]): Promise<number> {
  const bytes = await encode(spec);
  const [exact] = (await hashImage(bytes, { mode: 'exact', algorithms: ['pdq'] })).results;
  const [fast] = (await hashImage(bytes, { mode: 'fast', algorithms: ['pdq'] })).results;
  if (exact === undefined || fast === undefined) throw new Error('no PDQ result');
  return hammingDistance(fast.hash, exact.hash);
}

describe('the fast decode path on fine textures', () => {
  it('covers only pictures that fast decodes whole in the always-run cases', () => {
    expect(cases.every((c) => c.width * c.height <= FAST_WHOLE_MAX_PIXELS)).toBe(true);
    expect(largeCases.every((c) => c.width * c.height > FAST_WHOLE_MAX_PIXELS)).toBe(true);
  });

  describe('when the picture is at most 1024x1024 (JPEG and PNG)', () => {
    it.each(cases)('$family $width x $height $format (seed $seed): fast PDQ within 10 bits of exact', async (spec) => {
      expect(await drift(spec)).toBeLessThanOrEqual(10);
    });
  });

  describe.skipIf(process.env.HASHFEED_KNOWN_DEFECTS !== '1')('when a larger JPEG is reduced while decoding (open defect, issue 16)', () => {
    it.each(largeCases)('$family $width x $height progressive $progressive (seed $seed): fast PDQ within 10 bits of exact', async (spec) => {
      expect(await drift(spec)).toBeLessThanOrEqual(10);
    });
  });
});
