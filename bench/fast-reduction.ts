/**
 * How far PDQ of a reduced decode lands from `exact`, by way of reducing,
 * on the fine-texture fixtures (docs/HASHING.md, "Fine textures"): the
 * `fast` path as it is (shrink-on-load, then a cubic resize) and with a
 * larger working size, an exact area
 * average of the full decode to the same working size and to larger ones,
 * and, for scale, `exact` of the picture re-encoded at JPEG q95. Every
 * reduction is hashed with source geometry, as `fast` hashes.
 *
 *   npx tsx bench/fast-reduction.ts [--quick]
 */
import sharp from 'sharp';
import { FINE_TEXTURE_FAMILY_NAMES, generateImage } from '../fixtures/index.ts';
import { areaAverage } from '../shared/hashing/area-average.ts';
import { hammingDistance } from '../shared/hashing/bits.ts';
import { decodeImage, hashImage, hashPixels, type PixelImage } from '../shared/hashing/index.ts';
import { lumaFromPixels } from '../shared/hashing/luma.ts';

const quick = process.argv.includes('--quick');
const SIZES: readonly (readonly [number, number])[] = quick ? [[640, 480], [1600, 1004]] : [[512, 512], [640, 480], [1024, 768], [768, 1024], [1600, 1004], [2000, 1500]];
const SEEDS = quick ? [1] : [1, 2];

type Reduction = (bytes: Buffer, width: number, height: number) => Promise<{ pixels: PixelImage; source: boolean }>;

async function fullLuma(bytes: Buffer) {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected RGB, got ${info.channels} channels`);
  return lumaFromPixels({ data, width: info.width, height: info.height, channels: 3 });
}

/** Exact area average of the full decode to `size(width, height)`. */
const areaTo = (size: (w: number, h: number) => readonly [number, number]): Reduction => async (bytes, width, height) => {
  const [w, h] = size(width, height);
  const grid = areaAverage(await fullLuma(bytes), h, w);
  const data = Uint8Array.from(grid, (v) => Math.round(v));
  return { pixels: { data, width: w, height: h, channels: 1 }, source: true };
};

const shorterSide = (side: number) => (w: number, h: number): readonly [number, number] => {
  const scale = side / Math.min(w, h);
  return [Math.round(w * scale), Math.round(h * scale)];
};

const REDUCTIONS: Readonly<Record<string, Reduction>> = {
  'fast today': async (bytes) => ({ pixels: await decodeImage(bytes, { mode: 'fast' }), source: true }),
  // The same path with a larger working size (DecodeOptions.fastMinSide and fastMaxSide): 1/2 decode of a 1000 px photo.
  'fast, min side 320': async (bytes) => ({ pixels: await decodeImage(bytes, { mode: 'fast', fastMinSide: 320, fastMaxSide: 512 }), source: true }),
  'area, fast size': async (bytes, width, height) => {
    const { width: w, height: h } = await decodeImage(bytes, { mode: 'fast' });
    return areaTo(() => [w, h])(bytes, width, height);
  },
  'area, 256 px': areaTo(shorterSide(256)),
  'area, 384 px': areaTo(shorterSide(384)),
  'area, 512 px': areaTo(shorterSide(512)),
  'exact of a q95 re-encode': async (bytes) => ({ pixels: await decodeImage(await sharp(bytes).jpeg({ quality: 95 }).toBuffer(), { mode: 'exact' }), source: false }),
};

const distances = new Map<string, number[]>();
for (const family of FINE_TEXTURE_FAMILY_NAMES) {
  for (const [i, [width, height]] of SIZES.entries()) {
    for (const seed of SEEDS) {
      const bytes = await generateImage({ family, width, height, format: 'jpeg', seed: seed + i * 10, quality: 90 });
      const [exact] = (await hashImage(bytes, { mode: 'exact' })).results;
      if (exact === undefined) throw new Error('no PDQ result');
      for (const [name, reduce] of Object.entries(REDUCTIONS)) {
        const { pixels, source } = await reduce(bytes, width, height);
        const [result] = hashPixels(pixels, source ? { source: { width, height } } : {});
        if (result === undefined) throw new Error('no PDQ result');
        const list = distances.get(name) ?? [];
        list.push(hammingDistance(result.hash, exact.hash));
        distances.set(name, list);
      }
    }
  }
}

process.stdout.write(`PDQ distance to exact, ${FINE_TEXTURE_FAMILY_NAMES.length * SIZES.length * SEEDS.length} fine-texture JPEGs (q90)\n`);
for (const [name, list] of distances) {
  const mean = list.reduce((a, b) => a + b, 0) / list.length;
  const over = list.filter((d) => d > 10).length;
  process.stdout.write(`${name.padEnd(26)} mean ${mean.toFixed(1).padStart(5)}  max ${String(Math.max(...list)).padStart(3)}  over 10 bits ${over} / ${list.length}\n`);
}
