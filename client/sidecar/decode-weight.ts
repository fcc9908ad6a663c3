import { sharp } from '../../shared/hashing/sharp-settings.ts';
import type { DecodeBudget } from './decode-budget.ts';

/**
 * Frames of an animation (GIF, WebP) counted in its weight, at most: an
 * animation is decoded up to a frame cap, and its frames may be held at
 * once. Keep it at least the decoder's frame cap. Pages of other formats
 * (TIFF, HEIF) are not counted: only the first is decoded.
 */
export const MAX_WEIGHED_FRAMES = 16;
const ANIMATED_FORMATS: readonly string[] = ['gif', 'webp'];

/**
 * The pixels decoding `bytes` may hold at once, from the header alone
 * (width x height x frames, frames capped at MAX_WEIGHED_FRAMES). Bytes
 * whose header gives no size, or a frame over `maxPixels` (the decoder's
 * limit), weigh 0: the decoder refuses them, with its own code, before it
 * allocates any pixels.
 */
export async function decodeWeight(bytes: Uint8Array, maxPixels: number): Promise<number> {
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
  const frames = format !== undefined && ANIMATED_FORMATS.includes(format) ? Math.min(Math.max(pages ?? 1, 1), MAX_WEIGHED_FRAMES) : 1;
  return width * height * frames;
}

/** Wraps a scan (whose decoder refuses frames over `maxPixels`) so that it holds its image's weight in `budget` while it runs. */
export function withDecodeBudget<T>(budget: DecodeBudget, maxPixels: number, scan: (bytes: Uint8Array) => Promise<T>): (bytes: Uint8Array, signal?: AbortSignal) => Promise<T> {
  return async (bytes, signal) => budget.run(await decodeWeight(bytes, maxPixels), () => scan(bytes), signal);
}
