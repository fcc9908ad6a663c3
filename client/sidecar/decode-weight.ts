import { isApng } from '../../shared/hashing/apng.ts';
import { closeTruncatedGif } from '../../shared/hashing/truncated-gif.ts';
import { imageMetadata } from '../../shared/hashing/image-metadata.ts';
import type { DecodeBudget } from './decode-budget.ts';

/** What the decoder holds at most: frames of an animation, and pixels over all frames together (shared/hashing/image-frames.ts). */
export interface DecodeLimits {
  readonly maxPixels: number;
  readonly maxFrames: number;
}

/**
 * Animations (GIF, WebP) are decoded up to the frame cap, all frames held at
 * once; pages of other formats (TIFF, HEIF) are not counted: only the first
 * is decoded.
 */
const ANIMATED_FORMATS: readonly string[] = ['gif', 'webp'];

/**
 * A still image with transparency, or an animated PNG, is hashed composited
 * (on white and on black) from RGBA at full resolution, besides its
 * `original`: one such scan peaked at about 20 bytes per pixel against 7.1
 * for the same image without alpha (docs/SIDECAR.md, "Measured"), so it
 * weighs three times its pixels.
 */
export const COMPOSITED_WEIGHT_FACTOR = 3;

/** An image's pixels, and the weight it takes from the budget (more than its pixels when it is composited). */
export interface DecodeCost {
  readonly pixels: number;
  readonly weight: number;
}

/**
 * What decoding `bytes` may hold at once, from the header alone (width x
 * height x frames, frames as the decoder caps them: at most `maxFrames`, and
 * no more than fit `maxPixels` together; x COMPOSITED_WEIGHT_FACTOR for a
 * still image with alpha or an APNG). Bytes whose header gives no size, or a
 * frame over `maxPixels` (the decoder's limit), cost 0: the decoder refuses
 * them, with its own code, before it allocates any pixels.
 */
export function decodeCost(bytes: Uint8Array, limits: DecodeLimits): Promise<DecodeCost> {
  return costOf(bytes, limits, false);
}

async function costOf(bytes: Uint8Array, { maxPixels, maxFrames }: DecodeLimits, closed: boolean): Promise<DecodeCost> {
  const none = { pixels: 0, weight: 0 };
  if (bytes.length === 0) return none;
  let format: string | undefined;
  let width: number | undefined;
  let height: number | undefined;
  let pages: number | undefined;
  let hasAlpha: boolean | undefined;
  try {
    // Reading the header allocates no pixels; the real size is wanted even past the pixel limit.
    ({ format, width, height, pages, hasAlpha } = await imageMetadata(bytes));
  } catch {
    // A cut-off GIF is refused from its header, then decoded closed, once (shared/hashing/image-views.ts): weigh it so.
    // Closed bytes still unreadable are refused by the decoder: closing them again would weigh a file it never sees.
    const closedBytes = closed ? undefined : await closeTruncatedGif(bytes);
    return closedBytes === undefined ? none : costOf(closedBytes, { maxPixels, maxFrames }, true);
  }
  if (width === undefined || height === undefined || width < 1 || height < 1 || width * height > maxPixels) return none;
  // For an animation, `height` is one frame's.
  const perFrame = width * height;
  if (format !== undefined && ANIMATED_FORMATS.includes(format)) {
    const pixels = perFrame * Math.max(1, Math.min(pages ?? 1, maxFrames, Math.floor(maxPixels / perFrame)));
    return { pixels, weight: pixels };
  }
  const composited = hasAlpha === true || (format === 'png' && (await isApng(bytes)));
  return { pixels: perFrame, weight: composited ? perFrame * COMPOSITED_WEIGHT_FACTOR : perFrame };
}

/** The weight alone (see decodeCost). */
export async function decodeWeight(bytes: Uint8Array, limits: DecodeLimits): Promise<number> {
  return (await decodeCost(bytes, limits)).weight;
}

/**
 * Wraps a scan (whose decoder keeps to `limits`) so that it holds its image's
 * weight in `budget` while it runs. An image whose pixels fit the budget but
 * whose composited weight does not holds the whole budget (it runs alone)
 * rather than being refused; only one whose pixels alone are over it is
 * IMAGE_OVER_BUDGET.
 */
export function withDecodeBudget<T>(budget: DecodeBudget, limits: DecodeLimits, scan: (bytes: Uint8Array) => Promise<T>): (bytes: Uint8Array, signal?: AbortSignal) => Promise<T> {
  return async (bytes, signal) => {
    const { pixels, weight } = await decodeCost(bytes, limits);
    const held = pixels <= budget.capacity ? Math.min(weight, budget.capacity) : weight;
    return budget.run(held, () => scan(bytes), signal);
  };
}
