/**
 * PDQ conformance against ../shared/vectors/pdq (see its README). Each CSV
 * row is checked against our hash under the same resize policy as the
 * implementation that produced it:
 * - full resolution (java, pytx/pdqhash): our `exact` path;
 * - the C++ tool (cpp-cimg, wasm): over 512 px, resized to 512x512 by
 *   nearest neighbour, aspect ignored, as CImg does;
 * - the pure Python port: PIL thumbnail to fit 512 px (bicubic).
 * PNG inputs decode to the same pixels everywhere, so their expected hashes
 * must match bit for bit; for JPEG the rule is within 10 bits (quality >= 80).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { vectorsDir } from '../testing/vectors.ts';
import { hammingDistance, parseHex } from './bits.ts';
import { decodeImage } from './image-input.ts';
import type { DecodedImage } from './image-input.ts';
import { lumaFromPixels } from './luma.ts';
import type { PixelImage } from './luma.ts';
import { DIHEDRAL_NAMES, pdqDihedralsFromLuma, pdqFromLuma } from './pdq.ts';
import type { PdqResult } from './pdq.ts';

const dir = vectorsDir('pdq');

type Policy = 'full' | 'cimg512' | 'pil512' | 'pixel-transform' | 'unletterbox';

interface Row {
  readonly label: string;
  readonly file: string;
  readonly hex: string;
  readonly quality: number | undefined;
  readonly implementation: string;
  readonly policy: Policy;
  /** For pixel-transform rows: the pytx rotation name. */
  readonly transform?: string;
}

function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

function policyOf(implementation: string): Policy {
  if (/^cpp-cimg|^wasm/.test(implementation)) return 'cimg512';
  if (/python pure port/.test(implementation)) return 'pil512';
  if (/photo-preprocess=rotations/.test(implementation)) return 'pixel-transform';
  if (/unletterbox/.test(implementation)) return 'unletterbox';
  if (/^java|^pytx\/pdqhash/.test(implementation)) return 'full';
  throw new Error(`unclassified implementation in the vectors CSV: ${implementation}`);
}

function readRows(base: string): Row[] {
  const lines = readFileSync(join(base, 'expected_pdq_hashes.csv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [image = '', hex = '', quality = '', implementation = ''] = parseCsvLine(line);
    // "b.jpg (deleted; identical blob to bridge-1-original.jpg)": the same bytes as bridge-1.
    const file = image.startsWith('pdq/data/misc-images/b.jpg')
      ? 'pdq/data/reg-test-input/dih/bridge-1-original.jpg'
      : image.replace(/ [([].*$/, '');
    const transform = /\[(\w+) via pixel rotation/.exec(image)?.[1];
    return {
      label: `${image} [${implementation}]`,
      file,
      hex,
      quality: quality === '' ? undefined : Number(quality),
      implementation,
      policy: policyOf(implementation),
      ...(transform === undefined ? {} : { transform }),
    };
  });
}

const pdqOf = (pixels: PixelImage): PdqResult => pdqFromLuma(lumaFromPixels(pixels));

/** The C++ tool: CImg resize(512, 512) with nearest neighbour (source index floor(x * W / 512)) when either side exceeds 512. */
function cimg512(image: DecodedImage): PixelImage {
  if (image.width <= 512 && image.height <= 512) return image;
  const { channels } = image;
  const data = new Uint8Array(512 * 512 * channels);
  for (let y = 0; y < 512; y++) {
    const sy = Math.floor((y * image.height) / 512);
    for (let x = 0; x < 512; x++) {
      const sx = Math.floor((x * image.width) / 512);
      for (let c = 0; c < channels; c++) data[(y * 512 + x) * channels + c] = image.data[(sy * image.width + sx) * channels + c] ?? 0;
    }
  }
  return { width: 512, height: 512, channels, data };
}

/** The pure Python port: PIL thumbnail to fit 512x512, keeping aspect, bicubic. */
async function pil512(bytes: Uint8Array): Promise<PixelImage> {
  const { data, info } = await sharp(bytes, { ignoreIcc: true })
    .removeAlpha()
    .resize(512, 512, { fit: 'inside', withoutEnlargement: true, kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const channels = info.channels;
  if (channels !== 1 && channels !== 3) throw new Error(`unexpected ${channels} channels`);
  return { width: info.width, height: info.height, channels, data };
}

/** pytx's --photo-preprocess=rotations names, as sharp pixel operations (verified: ROTATE90 is a quarter turn anticlockwise). */
const PIXEL_TRANSFORMS: Record<string, (image: Sharp) => Sharp> = {
  ORIGINAL: (s) => s,
  ROTATE90: (s) => s.rotate(270),
  ROTATE180: (s) => s.rotate(180),
  ROTATE270: (s) => s.rotate(90),
  FLIPX: (s) => s.flip(),
  FLIPY: (s) => s.flop(),
  FLIPPLUS1: (s) => s.rotate(90).flip(),
  FLIPMINUS1: (s) => s.rotate(90).flop(),
};

async function transformed(image: DecodedImage, name: string): Promise<PixelImage> {
  const op = PIXEL_TRANSFORMS[name];
  if (op === undefined) throw new Error(`unknown pixel transform ${name}`);
  const raw = { width: image.width, height: image.height, channels: image.channels };
  const { data, info } = await op(sharp(image.data, { raw })).raw().toBuffer({ resolveWithObject: true });
  const channels = info.channels;
  if (channels !== 1 && channels !== 3) throw new Error(`unexpected ${channels} channels`);
  return { width: info.width, height: info.height, channels, data };
}

describe.skipIf(dir === null)('PDQ against the reference vectors', () => {
  const base = dir ?? '';
  const rows = dir === null ? [] : readRows(base);
  const decoded = new Map<string, DecodedImage>();
  const exactImage = (file: string): DecodedImage => {
    const image = decoded.get(file);
    if (image === undefined) throw new Error(`not decoded: ${file}`);
    return image;
  };

  beforeAll(async () => {
    for (const file of new Set(rows.map((r) => r.file))) {
      decoded.set(file, await decodeImage(readFileSync(join(base, file)), { mode: 'exact' }));
    }
  });

  it('classifies every CSV row by resize policy', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    const counts = rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.policy]: (acc[r.policy] ?? 0) + 1 }), {});
    // Only the two unletterbox rows are out of scope: they need pytx's letterbox-trimming step first.
    expect(counts.unletterbox).toBe(2);
  });

  describe('full-resolution rows (java, pytx/pdqhash)', () => {
    const full = rows.filter((r) => r.policy === 'full');

    it.each(full.filter((r) => r.file.endsWith('.png')).map((r) => [r.label, r] as const))('%s: PNG input, equal bit for bit', (_label, row) => {
      const result = pdqOf(exactImage(row.file));
      expect(result.hash).toEqual(parseHex(row.hex, 256));
    });

    it.each(full.map((r) => [r.label, r] as const))('%s: within 10 bits, quality reproduced', (_label, row) => {
      const result = pdqOf(exactImage(row.file));
      if (result.quality >= 80) expect(hammingDistance(result.hash, parseHex(row.hex, 256))).toBeLessThanOrEqual(10);
      if (row.quality !== undefined) expect(result.quality).toBe(row.quality);
    });
  });

  describe("the C++ tool's policy (over 512 px: 512x512 nearest neighbour)", () => {
    const current = rows.filter((r) => r.policy === 'cimg512' && r.implementation.startsWith('wasm'));
    const stale = rows.filter((r) => r.policy === 'cimg512' && r.implementation.startsWith('cpp-cimg'));

    it.each(current.map((r) => [r.label, r] as const))('%s: within 10 bits (PNG: equal)', (_label, row) => {
      const result = pdqOf(cimg512(exactImage(row.file)));
      const distance = hammingDistance(result.hash, parseHex(row.hex, 256));
      if (row.file.endsWith('.png')) expect(distance).toBe(0);
      if (result.quality >= 80) expect(distance).toBeLessThanOrEqual(10);
    });

    // The vectors README: these 8 rows were copied from an old README and today's
    // C++ build differs from them by 4 to 12 bits; they bound us, loosely.
    it.each(stale.map((r) => [r.label, r] as const))('%s (stale row): within the 12 bits the README allows, quality reproduced', (_label, row) => {
      const result = pdqOf(cimg512(exactImage(row.file)));
      expect(hammingDistance(result.hash, parseHex(row.hex, 256))).toBeLessThanOrEqual(12);
      if (row.quality !== undefined) expect(result.quality).toBe(row.quality);
    });
  });

  describe("the pure Python port's policy (thumbnail to 512, bicubic)", () => {
    it.each(rows.filter((r) => r.policy === 'pil512').map((r) => [r.label, r] as const))('%s: within 10 bits', async (_label, row) => {
      const result = pdqOf(await pil512(readFileSync(join(base, row.file))));
      if (result.quality >= 80) expect(hammingDistance(result.hash, parseHex(row.hex, 256))).toBeLessThanOrEqual(10);
    });
  });

  describe("pytx's pixel rotations of LA.png", () => {
    it.each(rows.filter((r) => r.policy === 'pixel-transform').map((r) => [r.transform ?? '', r] as const))(
      '%s: equal bit for bit',
      async (name, row) => {
        const result = pdqOf(await transformed(exactImage(row.file), name));
        expect(result.hash).toEqual(parseHex(row.hex, 256));
      },
    );
  });
});

describe.skipIf(dir === null)('PDQ dihedral variants of the bridge photo', () => {
  const base = join(dir ?? '', 'pdq/data/reg-test-input/dih');
  const files = [
    'bridge-1-original.jpg',
    'bridge-2-rotate-90.jpg',
    'bridge-3-rotate-180.jpg',
    'bridge-4-rotate-270.jpg',
    'bridge-5-flipx.jpg',
    'bridge-6-flipy.jpg',
    'bridge-7-flip-plus-1.jpg',
    'bridge-8-flip-minus-1.jpg',
  ];

  describe.each(['exact', 'fast'] as const)('when decoded %s', (mode) => {
    const hashes: PdqResult[] = [];
    let dihedrals: readonly Uint8Array[] = [];

    beforeAll(async () => {
      for (const file of files) {
        const image = await decodeImage(readFileSync(join(base, file)), { mode });
        const options = mode === 'fast' ? { source: { width: image.sourceWidth, height: image.sourceHeight } } : {};
        const luma = lumaFromPixels(image);
        hashes.push(pdqFromLuma(luma, options));
        if (file === files[0]) dihedrals = pdqDihedralsFromLuma(luma, options).dihedrals;
      }
    });

    it.each(DIHEDRAL_NAMES.map((name, k) => [files[k], name, k] as const))('%s hashes within 10 bits of the %s variant of bridge-1', (_file, _name, k) => {
      const variant = dihedrals[k];
      const hash = hashes[k];
      if (variant === undefined || hash === undefined) throw new Error('missing hash');
      expect(hash.quality).toBeGreaterThanOrEqual(80);
      expect(hammingDistance(hash.hash, variant)).toBeLessThanOrEqual(10);
    });
  });
});

describe.skipIf(dir === null)('PDQ of one photo saved in every pixel mode', () => {
  const base = join(dir ?? '', 'pdq/data/misc-images/modes');
  const modes = ['1.png', 'CMYK.jpg', 'F.webp', 'HSV.webp', 'I.webp', 'L.png', 'LA.png', 'LAB.webp', 'P.png', 'PA.webp', 'RGB.jpg', 'RGBA.png', 'YCbCr.jpg'];
  let original: PdqResult | undefined;

  beforeAll(async () => {
    original = pdqOf(await decodeImage(readFileSync(join(base, 'original.jpg')), { mode: 'exact' }));
  });

  it.each(modes)('%s decodes and hashes within 10 bits of original.jpg', async (file) => {
    const image = await decodeImage(readFileSync(join(base, file)), { mode: 'exact' });
    expect([image.width, image.height]).toEqual([1600, 1004]);
    const result = pdqOf(image);
    if (original === undefined) throw new Error('original not hashed');
    expect(result.quality).toBeGreaterThanOrEqual(80);
    expect(hammingDistance(result.hash, original.hash)).toBeLessThanOrEqual(10);
  });
});
