import { sharp } from '../../shared/hashing/sharp-settings.ts';
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
 * The pixels decoding `bytes` may hold at once, from the header alone
 * (width x height x frames, frames as the decoder caps them: at most
 * `maxFrames`, and no more than fit `maxPixels` together). Bytes
 * whose header gives no size, or a frame over `maxPixels` (the decoder's
 * limit), weigh 0: the decoder refuses them, with its own code, before it
 * allocates any pixels.
 */
export async function decodeWeight(bytes: Uint8Array, { maxPixels, maxFrames }: DecodeLimits): Promise<number> {
  if (bytes.length === 0) return 0;
  let format: string | undefined;
  let width: number | undefined;
  let height: number | undefined;
  let pages: number | undefined;
  try {
    // Reading the header allocates no pixels; the real size is wanted even past the pixel limit.
    ({ format, width, height, pages } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch {
    return 0;
  }
  if (width === undefined || height === undefined || width < 1 || height < 1 || width * height > maxPixels) return 0;
  // For an animation, `height` is one frame's.
  const perFrame = width * height;
  const frames = format !== undefined && ANIMATED_FORMATS.includes(format) ? Math.max(1, Math.min(pages ?? 1, maxFrames, Math.floor(maxPixels / perFrame))) : 1;
  return perFrame * frames;
}

/** Wraps a scan (whose decoder keeps to `limits`) so that it holds its image's weight in `budget` while it runs. */
export function withDecodeBudget<T>(budget: DecodeBudget, limits: DecodeLimits, scan: (bytes: Uint8Array) => Promise<T>): (bytes: Uint8Array, signal?: AbortSignal) => Promise<T> {
  return async (bytes, signal) => budget.run(await decodeWeight(bytes, limits), () => scan(bytes), signal);
}
