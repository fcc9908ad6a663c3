import fc from 'fast-check';
import sharp from 'sharp';
import { decodeCost } from '../../client/sidecar/decode-weight.ts';
import { readApng } from '../../shared/hashing/apng.ts';
import { ImageInputError, readImageHeader } from '../../shared/hashing/image-input.ts';
import { hashImageViews } from '../../shared/hashing/image-views.ts';
import { buildApng } from '../../shared/hashing/testing/apng.ts';
import { closeTruncatedGif } from '../../shared/hashing/truncated-gif.ts';
import { mutatedBytes, randomBytes } from '../mutate.ts';
import { defineTarget, type RegisteredTarget } from '../target.ts';

/**
 * Image header sniffing: what reads an upload's header before anything is
 * decoded (the pixel limit, the sidecar's decode budget), the hand-written
 * readers of PNG chunks and GIF blocks, and the scan's whole decode (every
 * view of the upload hashed). Inputs are small synthetic images in
 * every accepted format (sharp draws them: a gradient, no content), mutated.
 */

const MAX_PIXELS = 100_000_000;
const MAX_FRAMES = 16;

async function samples(): Promise<Uint8Array[]> {
  const base = () => sharp({ create: { width: 24, height: 16, channels: 3, background: { r: 40, g: 120, b: 200 } } });
  const still = await base().png().toBuffer();
  const frame = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 200, g: 10, b: 10, alpha: 1 } } }).png().toBuffer();
  const encoded = await Promise.all([
    base().jpeg().toBuffer(),
    base().jpeg({ progressive: true }).toBuffer(),
    base().withMetadata({ orientation: 6 }).jpeg().toBuffer(),
    Promise.resolve(still),
    base().ensureAlpha(0.5).png().toBuffer(),
    base().webp().toBuffer(),
    base().gif().toBuffer(),
    base().tiff().toBuffer(),
    base().avif({ effort: 0 }).toBuffer(),
    buildApng(still, [{ png: frame }, { png: frame, x: 4, y: 4, dispose: 1, blend: 1 }], true),
  ]);
  return encoded.map((bytes) => new Uint8Array(bytes));
}

// Drawn once when the registry loads: a handful of tiny images, a few milliseconds.
const SAMPLES = await samples();

const images = fc.oneof(
  { arbitrary: fc.constantFrom(...SAMPLES), weight: 1 },
  { arbitrary: mutatedBytes(fc.constantFrom(...SAMPLES)), weight: 6 },
  { arbitrary: randomBytes, weight: 1 },
);

export const imageHeader = defineTarget({
  name: 'image-header',
  decoder: 'shared/hashing/image-input.ts readImageHeader',
  input: images,
  decode: (bytes: Uint8Array) => readImageHeader(bytes, MAX_PIXELS),
  refusals: [ImageInputError],
});

export const decodeWeight = defineTarget({
  name: 'decode-cost',
  decoder: 'client/sidecar/decode-weight.ts decodeCost',
  input: images,
  decode: (bytes: Uint8Array) => decodeCost(bytes, { maxPixels: MAX_PIXELS, maxFrames: MAX_FRAMES }),
  // Documented never to throw: bytes it cannot weigh cost 0, and the decoder refuses them.
  refusals: [],
});

export const apng = defineTarget({
  name: 'apng-chunks',
  decoder: 'shared/hashing/apng.ts readApng',
  input: images,
  decode: (bytes: Uint8Array) => readApng(bytes, MAX_FRAMES),
  // Not an animation (or no PNG) is undefined, never an exception.
  refusals: [],
});

export const truncatedGif = defineTarget({
  name: 'gif-blocks',
  decoder: 'shared/hashing/truncated-gif.ts closeTruncatedGif',
  input: images,
  decode: closeTruncatedGif,
  refusals: [],
});

export const imageViews = defineTarget({
  name: 'image-views',
  decoder: 'shared/hashing/image-views.ts hashImageViews',
  input: images,
  // Decoding and hashing cost grows with the pixels, and a 100-byte header may claim millions: the pixel limit is
  // lowered to 2 megapixels here (all frames together), and a run may take up to 2 s: an animated PNG of 1.6
  // megapixels, every frame hashed as is, on white and on black, took 0.8 s on this machine.
  decode: (bytes: Uint8Array) => hashImageViews(bytes, { maxPixels: 2_000_000, maxFrames: MAX_FRAMES }),
  slowMs: 2000,
  // Documented never to throw ImageInputError: undecodable bytes still get their exact hashes, with `skipped`.
  refusals: [],
});

export const IMAGE_TARGETS: readonly RegisteredTarget[] = [imageHeader, decodeWeight, apng, truncatedGif, imageViews];
