/**
 * Transparency as a viewer sees it. The reference hashes drop alpha
 * (image-input.ts), so a picture carried only by its alpha channel (black
 * pixels whose opacity draws it) hashes as a black square; on a page it is
 * seen over a background. These composite the luma over white or black.
 */
import { lumaFromPixels } from './luma.ts';
import type { LumaImage, PixelImage } from './luma.ts';

/** True when every pixel of an RGBA image is fully opaque (then any composite equals the image). */
export function isOpaque(image: PixelImage): boolean {
  if (image.channels !== 4) return true;
  const { data } = image;
  const end = image.width * image.height * 4;
  for (let p = 3; p < end; p += 4) if (data[p] !== 255) return false;
  return true;
}

/**
 * The luma of RGBA pixels composited over a uniform grey `background`
 * (0 black, 255 white). Luma is linear in R, G and B, so compositing the
 * luma equals the luma of the composited colours (up to float rounding).
 * `base`, the luma of the pixels with alpha ignored, may be passed when
 * several backgrounds are wanted; it is not changed.
 */
export function lumaOver(image: PixelImage, background: number, base: LumaImage = lumaFromPixels(image)): LumaImage {
  if (image.channels !== 4) throw new RangeError(`compositing needs RGBA pixels, not ${image.channels} channels`);
  const { data } = image;
  const out = new Float32Array(base.data.length);
  for (let i = 0, p = 3; i < out.length; i++, p += 4) {
    const alpha = data[p]! / 255;
    out[i] = base.data[i]! * alpha + background * (1 - alpha);
  }
  return { width: base.width, height: base.height, data: out };
}
