import { encode } from 'blurhash';
import sharp from 'sharp';
import { readApng, renderApng } from '../../shared/hashing/apng.ts';
import { ReportingError } from './errors.ts';

/**
 * The preview a report carries instead of the content: a blurhash
 * (https://blurha.sh) of PREVIEW_COMPONENTS_LONG x PREVIEW_COMPONENTS_SHORT
 * cosine components, computed from a thumbnail of at most
 * PREVIEW_THUMBNAIL_SIDE pixels. docs/SAFEGUARDS.md ("Preview") explains why
 * these parameters show colour and layout and no detail; the Centre refuses
 * any preview with more than 4 components per axis.
 */
export const PREVIEW_COMPONENTS_LONG = 4;
export const PREVIEW_COMPONENTS_SHORT = 3;
export const PREVIEW_THUMBNAIL_SIDE = 32;
/** The decoder refuses larger images from the header, before decoding (a decompression bomb costs nothing). */
export const PREVIEW_MAX_PIXELS = 100_000_000;

export interface PreviewOptions {
  readonly maxPixels?: number;
  /** The frame of an animated image to show, 0-based (the one that matched); default the first. */
  readonly frame?: number;
}

/**
 * Image bytes to a blurhash string (28 characters). Throws
 * PREVIEW_UNDECODABLE for bytes sharp cannot decode as an image; the bytes
 * are neither kept nor logged either way.
 */
export async function computePreview(image: Uint8Array, options: PreviewOptions = {}): Promise<string> {
  let data: Buffer;
  let width: number;
  let height: number;
  try {
    // A truncated image is shown as far as it decodes, as a browser shows it (the scan hashed it so too).
    ({ data, width, height } = await thumbnail(image, options, 'error').catch(() => thumbnail(image, options, 'none')));
  } catch (cause) {
    throw new ReportingError('PREVIEW_UNDECODABLE', 'the content cannot be decoded as an image for a preview', { cause });
  }
  return blurhashOf(data, width, height);
}

/** Decoded pixels (a video frame: RGB, row-major, no padding) to a blurhash, as computePreview makes it of an image. */
export async function computePreviewOfPixels(pixels: { readonly data: Uint8Array; readonly width: number; readonly height: number; readonly channels: 3 | 4 }): Promise<string> {
  const { data, info } = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels } })
    .resize(PREVIEW_THUMBNAIL_SIDE, PREVIEW_THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true, kernel: 'cubic' })
    .flatten({ background: '#808080' })
    .ensureAlpha(1)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`expected 4 channels, got ${info.channels}`);
  return blurhashOf(data, info.width, info.height);
}

function blurhashOf(data: Buffer, width: number, height: number): string {
  const landscape = width >= height;
  const componentsX = landscape ? PREVIEW_COMPONENTS_LONG : PREVIEW_COMPONENTS_SHORT;
  const componentsY = landscape ? PREVIEW_COMPONENTS_SHORT : PREVIEW_COMPONENTS_LONG;
  try {
    return encode(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width, height, componentsX, componentsY);
  } finally {
    data.fill(0);
  }
}

async function thumbnail(image: Uint8Array, options: PreviewOptions, failOn: 'error' | 'none'): Promise<{ data: Buffer; width: number; height: number }> {
  const page = options.frame !== undefined && Number.isSafeInteger(options.frame) && options.frame > 0 ? options.frame : 0;
  const maxPixels = options.maxPixels ?? PREVIEW_MAX_PIXELS;
  const frame = await apngFrame(image, page, maxPixels);
  const input = frame === undefined ? sharp(image, { autoOrient: true, limitInputPixels: maxPixels, failOn, pages: 1, page }) : sharp(frame.data, { raw: frame });
  const result = await input
    .resize(PREVIEW_THUMBNAIL_SIDE, PREVIEW_THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true, kernel: 'cubic' })
    // Transparency over mid grey: the hidden colour of transparent pixels stays hidden.
    .flatten({ background: '#808080' })
    .toColourspace('srgb')
    .ensureAlpha(1)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (result.info.channels !== 4) throw new Error(`expected 4 channels, got ${result.info.channels}`);
  return { data: result.data, width: result.info.width, height: result.info.height };
}

/**
 * Frame `index` of an animated PNG as a browser plays it (RGBA), or
 * undefined for any other image: libvips reads only an APNG's default image,
 * which the scan's `frame:N` views are not (shared/hashing/apng.ts).
 */
async function apngFrame(image: Uint8Array, index: number, maxPixels: number): Promise<{ data: Uint8Array; width: number; height: number; channels: 4 } | undefined> {
  const { width = 0, height = 0 } = await sharp(image, { limitInputPixels: false }).metadata();
  if (width * height > maxPixels) return undefined;
  const animation = await readApng(image, index + 1);
  if (animation === undefined || animation.frames.length === 0) return undefined;
  const last = Math.min(index, animation.frames.length - 1);
  let shown: Uint8Array | undefined;
  await renderApng(animation, async (canvas, at) => {
    if (at === last) shown = Uint8Array.from(canvas.data);
  });
  return shown === undefined ? undefined : { data: shown, width: animation.width, height: animation.height, channels: 4 };
}
