/**
 * Image bytes to 8-bit pixels through sharp (libvips), as the hashes expect
 * them: the first frame, oriented as displayed (EXIF orientation applied),
 * alpha dropped without compositing, colour values as stored (embedded ICC
 * profiles ignored, as the PIL- and CImg-based reference tools ignore them),
 * grey kept as one channel.
 *
 * Two decode paths (docs/HASHING.md):
 * - `exact`: full resolution, the pixels the reference hashes.
 * - `fast`: formats that can shrink while decoding (JPEG by DCT scaling, WebP)
 *   are decoded at a reduced working size; everything else as `exact`.
 *
 * The pixel limit is checked from the header before anything is decoded.
 * Truncated or broken data is IMAGE_CORRUPT unless the caller asks for a
 * `tolerant` decode (the sidecar's scans), which goes as far as the data
 * does and says `partial`.
 */
import sharp from 'sharp';
import type { Metadata, OutputInfo, Sharp } from 'sharp';
import { CodedError } from '../errors.ts';
import type { PixelImage } from './luma.ts';
import { progressiveJpegForEighthScale } from './progressive-jpeg.ts';
import { imageMetadata } from './image-metadata.ts';
import './sharp-settings.ts';

const IMAGE_INPUT_CODES = ['IMAGE_EMPTY', 'IMAGE_UNSUPPORTED', 'IMAGE_TOO_LARGE', 'IMAGE_CORRUPT'] as const;
export type ImageInputCode = (typeof IMAGE_INPUT_CODES)[number];

export function isImageInputCode(value: unknown): value is ImageInputCode {
  return IMAGE_INPUT_CODES.some((code) => code === value);
}

/** Bytes that cannot be turned into pixels. Codes are public API (CLI JSON, HTTP bodies). */
export class ImageInputError extends CodedError<ImageInputCode> {}

export type DecodeMode = 'exact' | 'fast';
export const DECODE_MODES: readonly DecodeMode[] = ['exact', 'fast'];

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff';

/** 100 megapixels: above any camera in common use, and about 300 MB of RGB. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/**
 * `fast` decodes a JPEG or WebP of at most this many pixels (1024x1024)
 * whole, exactly as `exact` does: a reduced decode of a picture this small
 * saves a few milliseconds and loses fine texture that PDQ's own filter
 * samples at full size (issue 16; docs/HASHING.md, "Fine textures").
 */
export const FAST_WHOLE_MAX_PIXELS = 1 << 20;

/**
 * Above that, a progressive JPEG shrinks while decoding only as far as its
 * shorter side stays at least this long, so that a 1/8 decode, which reads
 * the DC scans only (progressive-jpeg.ts), serves every photo from 864 px up.
 * Chosen by measurement on the reference vectors: see docs/HASHING.md.
 */
export const FAST_MIN_SIDE = 96;

/** ... and no further than needed to bring the shorter side down to this (more pixels would only cost hashing time). */
export const FAST_MAX_SIDE = 192;

/**
 * A baseline JPEG or a WebP keeps twice the detail: its entropy decoding costs
 * the same at any scale, so a 1/4 decode costs about a third more than a 1/8
 * one and halves the drift on fine texture (docs/HASHING.md, "Fine textures").
 */
export const FAST_DETAIL_MIN_SIDE = 192;
export const FAST_DETAIL_MAX_SIDE = 384;

export interface DecodeOptions {
  /** Default: `fast`. */
  readonly mode?: DecodeMode;
  /** Refuse images whose header claims more pixels than this (default DEFAULT_MAX_PIXELS). */
  readonly maxPixels?: number;
  /** Largest image `fast` decodes whole (default FAST_WHOLE_MAX_PIXELS). */
  readonly fastWholeMaxPixels?: number;
  /** Smallest shorter side `fast` reduces to (default FAST_MIN_SIDE for a progressive JPEG, FAST_DETAIL_MIN_SIDE otherwise). */
  readonly fastMinSide?: number;
  /** Largest shorter side `fast` keeps when it reduces (default FAST_MAX_SIDE or FAST_DETAIL_MAX_SIDE, as the minimum). */
  readonly fastMaxSide?: number;
  /**
   * Decode truncated or broken data as far as it goes, as browsers display
   * it, when the strict decode fails (the result is then `partial`). Off by
   * default: the conformance path refuses such files (IMAGE_CORRUPT).
   */
  readonly tolerant?: boolean;
}

export interface DecodedImage extends PixelImage {
  readonly channels: 1 | 3;
  readonly format: ImageFormat;
  /** Size as displayed (after EXIF orientation) at full resolution; larger than width x height when `fast` reduced it. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** Decoded by the `tolerant` fallback: the data was truncated or broken, and what could not be decoded is filled in by the decoder. */
  readonly partial: boolean;
}

/** The header facts a decode is planned from. */
export interface ImageHeader {
  readonly format: ImageFormat;
  /** Stored size of the first frame, before orientation. */
  readonly width: number;
  readonly height: number;
  /** Size as displayed. */
  readonly displayWidth: number;
  readonly displayHeight: number;
  readonly grey16: boolean;
  readonly grey: boolean;
  readonly progressive: boolean;
  readonly hasAlpha: boolean;
  /** Frames (animated GIF/WebP) or pages (TIFF); 1 for a still image. */
  readonly pages: number;
}

/** Reads and checks the header only: format, size, pixel kind. Throws ImageInputError. */
export async function readImageHeader(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): Promise<ImageHeader> {
  if (bytes.length === 0) throw new ImageInputError('IMAGE_EMPTY', 'the file is empty');
  let meta: Metadata;
  try {
    // No limit here: the header is read, not decoded, and the limit is ours to apply below.
    meta = await imageMetadata(bytes);
  } catch (cause) {
    throw classifySharpError(cause, 'cannot read the image header');
  }
  const format = supportedFormat(meta);
  const { width, height } = meta;
  if (width === undefined || height === undefined || width < 1 || height < 1) {
    throw new ImageInputError('IMAGE_CORRUPT', 'the header gives no image size');
  }
  if (width * height > maxPixels) {
    throw new ImageInputError('IMAGE_TOO_LARGE', `${width}x${height} is ${width * height} pixels, over the limit of ${maxPixels}`);
  }
  const swap = meta.orientation !== undefined && meta.orientation >= 5;
  return {
    format,
    width,
    height,
    displayWidth: swap ? height : width,
    displayHeight: swap ? width : height,
    grey16: meta.space === 'grey16',
    grey: meta.space === 'b-w' || meta.space === 'grey16',
    progressive: meta.isProgressive === true,
    hasAlpha: meta.hasAlpha === true,
    pages: meta.pages !== undefined && meta.pages > 1 ? meta.pages : 1,
  };
}

/** Decodes image bytes to 8-bit grey or RGB pixels. Throws ImageInputError. */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const header = await readImageHeader(bytes, options.maxPixels ?? DEFAULT_MAX_PIXELS);
  try {
    return await decodeWith(bytes, header, options, 'error');
  } catch (cause) {
    if (options.tolerant !== true || !(cause instanceof ImageInputError) || cause.code !== 'IMAGE_CORRUPT') throw cause;
    return { ...(await decodeWith(bytes, header, options, 'none')), partial: true };
  }
}

/**
 * One decode. `failOn: 'error'` makes truncated or broken data an error
 * while the warnings common in real photos are not; `'none'` decodes as far
 * as the data goes (libjpeg fills the rest grey, libpng leaves it black).
 */
async function decodeWith(bytes: Uint8Array, header: ImageHeader, options: DecodeOptions, failOn: 'error' | 'none'): Promise<DecodedImage> {
  const { mode = 'fast', maxPixels = DEFAULT_MAX_PIXELS } = options;
  const plan = mode === 'fast' ? fastPlan(header, options) : undefined;
  const input = plan?.eighthScale === true && header.progressive ? (progressiveJpegForEighthScale(bytes) ?? bytes) : bytes;
  let pipeline = sharp(input, {
    autoOrient: true,
    ignoreIcc: true,
    limitInputPixels: maxPixels,
    failOn,
    pages: 1,
    page: 0,
  }).removeAlpha();

  if (plan !== undefined) {
    pipeline = pipeline.resize(plan.width, plan.height, { fit: 'fill', kernel: 'cubic', fastShrinkOnLoad: true });
  }
  if (header.grey16) return decodeGrey16(pipeline, header);
  if (header.grey) pipeline = pipeline.toColourspace('b-w');

  let data: Buffer;
  let info: OutputInfo;
  try {
    ({ data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true }));
  } catch (cause) {
    throw classifySharpError(cause, 'cannot decode the image');
  }
  const channels = info.channels;
  if (channels !== 1 && channels !== 3) {
    throw new ImageInputError('IMAGE_UNSUPPORTED', `decoded to ${channels} channels, expected 1 or 3`);
  }
  return {
    width: info.width,
    height: info.height,
    channels,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    format: header.format,
    sourceWidth: header.displayWidth,
    sourceHeight: header.displayHeight,
    partial: false,
  };
}

/**
 * The `fast` working size, or undefined to decode at full size. JPEG is
 * decoded at 1/s scale (s = 8, 4 or 2) by libjpeg's scaled inverse DCT;
 * libvips (through sharp) only scales by s when asked for a reduction of at
 * least s + 1, so the target is at most the source divided by s + 1, and
 * libvips finishes the reduction with an area shrink and a light resize.
 * WebP decodes straight to the target. Other formats cannot shrink while
 * decoding: resizing them after a full decode would cost more than hashing
 * them at full size. Pictures of up to `fastWholeMaxPixels` are decoded whole.
 */
function fastPlan(header: ImageHeader, options: Pick<DecodeOptions, 'fastWholeMaxPixels' | 'fastMinSide' | 'fastMaxSide'>): { width: number; height: number; eighthScale: boolean } | undefined {
  if (header.format !== 'jpeg' && header.format !== 'webp') return undefined;
  const { displayWidth: w, displayHeight: h } = header;
  if (w * h <= (options.fastWholeMaxPixels ?? FAST_WHOLE_MAX_PIXELS)) return undefined;
  const dcOnly = header.format === 'jpeg' && header.progressive;
  const minSide = options.fastMinSide ?? (dcOnly ? FAST_MIN_SIDE : FAST_DETAIL_MIN_SIDE);
  const maxSide = Math.max(minSide, options.fastMaxSide ?? (dcOnly ? FAST_MAX_SIDE : FAST_DETAIL_MAX_SIDE));
  const short = Math.min(w, h);
  for (const s of [8, 4, 2]) {
    if (Math.floor(short / (s + 1)) >= minSide) {
      // Reduce both axes by the same factor, at least s + 1 (floors keep it so).
      const factor = Math.max(s + 1, short / maxSide);
      return { width: Math.floor(w / factor), height: Math.floor(h / factor), eighthScale: s === 8 };
    }
  }
  return undefined;
}

/** Pixels the first frame is decoded to for hashing: the `fast` working size of a JPEG or WebP large enough to reduce, else the full size. */
export function decodedPixels(header: ImageHeader, mode: DecodeMode = 'fast'): number {
  const plan = mode === 'fast' ? fastPlan(header, {}) : undefined;
  return plan === undefined ? header.displayWidth * header.displayHeight : plan.width * plan.height;
}

/**
 * 16-bit grey: values above 255 are clipped to 255, as PIL converts mode I;16
 * to 8 bits; the reference's expected hash for such an image (I16.png in the
 * vectors) is reproduced only this way. 16-bit colour is scaled to 8 bits by
 * libvips (the high byte), as PIL reads it.
 */
async function decodeGrey16(pipeline: Sharp, header: ImageHeader): Promise<DecodedImage> {
  let data: Buffer;
  let info: OutputInfo;
  try {
    ({ data, info } = await pipeline.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true }));
  } catch (cause) {
    throw classifySharpError(cause, 'cannot decode the image');
  }
  const n = info.width * info.height;
  const stride = info.channels;
  const samples = new Uint16Array(data.buffer, data.byteOffset, data.length >> 1);
  const grey = new Uint8Array(n);
  for (let i = 0; i < n; i++) grey[i] = Math.min(samples[i * stride] ?? 0, 255);
  return {
    width: info.width,
    height: info.height,
    channels: 1,
    data: grey,
    format: header.format,
    sourceWidth: header.displayWidth,
    sourceHeight: header.displayHeight,
    partial: false,
  };
}

function supportedFormat(meta: Metadata): ImageFormat {
  switch (meta.format) {
    case 'jpeg':
    case 'png':
    case 'webp':
    case 'gif':
    case 'tiff':
      return meta.format;
    case 'heif':
      if (meta.compression === 'av1') return 'avif';
      throw new ImageInputError('IMAGE_UNSUPPORTED', `HEIF with ${meta.compression ?? 'unknown'} compression is not supported (AVIF is)`);
    default:
      throw new ImageInputError('IMAGE_UNSUPPORTED', `${meta.format} images are not supported`);
  }
}

/** Maps sharp's untyped errors to codes by their (stable) messages. */
export function classifySharpError(cause: unknown, context: string): ImageInputError {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (/empty/i.test(message)) return new ImageInputError('IMAGE_EMPTY', `${context}: ${message}`, { cause });
  if (/unsupported image format/i.test(message)) return new ImageInputError('IMAGE_UNSUPPORTED', `${context}: ${message}`, { cause });
  if (/pixel limit/i.test(message)) return new ImageInputError('IMAGE_TOO_LARGE', `${context}: ${message}`, { cause });
  return new ImageInputError('IMAGE_CORRUPT', `${context}: ${message}`, { cause });
}
