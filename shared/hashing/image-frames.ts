/**
 * Every frame of an animated GIF or WebP (the first page of anything else), with its
 * alpha, for the views a scan hashes (image-views.ts). decodeImage gives the
 * first frame without alpha, as the reference hashes; this gives what a
 * viewer can be shown.
 */
import sharp from 'sharp';
import type { OutputInfo } from 'sharp';
import { classifySharpError, DEFAULT_MAX_PIXELS, ImageInputError } from './image-input.ts';
import type { ImageFormat, ImageHeader } from './image-input.ts';
import type { PixelImage } from './luma.ts';

/** Frames hashed at most by default: a minute of a typical sticker or meme loop. */
export const DEFAULT_MAX_FRAMES = 64;

export interface FrameOptions {
  /** Frames decoded at most (default DEFAULT_MAX_FRAMES). */
  readonly maxFrames?: number;
  /** Pixels decoded at most, all frames together (default DEFAULT_MAX_PIXELS): the memory a still image may take. */
  readonly maxPixels?: number;
  /** Decode truncated data as far as it goes (see DecodeOptions.tolerant). */
  readonly tolerant?: boolean;
}

export interface DecodedFrames {
  /** 8-bit RGBA at full resolution, as displayed (orientation applied), first frame first. */
  readonly frames: readonly PixelImage[];
  /** Frames in the file; more than `frames.length` when the cap or the pixel budget stopped the decode. */
  readonly total: number;
  readonly partial: boolean;
}

/** Formats whose frames are an animation of one size; the pages of a TIFF may be unrelated images of any size, and only the first is hashed. */
const ANIMATED_FORMATS: readonly ImageFormat[] = ['gif', 'webp'];

/** How many frames fit the frame cap and the pixel budget (at least the first, which the header check has admitted). */
export function framesWithinBudget(header: ImageHeader, options: FrameOptions = {}): number {
  if (!ANIMATED_FORMATS.includes(header.format)) return 1;
  return Math.min(header.pages, frameCap(header.width * header.height, options));
}

/** Frames of `perFrame` pixels hashed at most: the frame cap, and no more than fit the pixel budget together (at least 1). */
export function frameCap(perFrame: number, options: FrameOptions = {}): number {
  const { maxFrames = DEFAULT_MAX_FRAMES, maxPixels = DEFAULT_MAX_PIXELS } = options;
  return Math.max(1, Math.min(maxFrames, Math.floor(maxPixels / perFrame)));
}

/** Decodes the first framesWithinBudget() frames in one pass. Throws ImageInputError. */
export async function decodeFrames(bytes: Uint8Array, header: ImageHeader, options: FrameOptions = {}): Promise<DecodedFrames> {
  const count = framesWithinBudget(header, options);
  const decode = async (failOn: 'error' | 'none'): Promise<{ data: Buffer; info: OutputInfo }> => {
    try {
      return await sharp(bytes, { autoOrient: true, ignoreIcc: true, limitInputPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS, failOn, page: 0, pages: count })
        .toColourspace('srgb')
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (cause) {
      throw classifySharpError(cause, 'cannot decode the frames');
    }
  };
  let partial = false;
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await decode('error');
  } catch (cause) {
    if (options.tolerant !== true || !(cause instanceof ImageInputError) || cause.code !== 'IMAGE_CORRUPT') throw cause;
    decoded = await decode('none');
    partial = true;
  }
  const { data, info } = decoded;
  if (info.channels !== 4) throw new ImageInputError('IMAGE_UNSUPPORTED', `decoded to ${info.channels} channels, expected 4`);
  const pages = info.pages !== undefined && info.pages > 0 ? Math.min(info.pages, count) : 1;
  const height = info.pageHeight ?? info.height;
  const frameBytes = info.width * height * 4;
  if (frameBytes * pages > data.length) throw new ImageInputError('IMAGE_CORRUPT', 'the decoder returned fewer pixels than its frames need');
  const frames = Array.from({ length: pages }, (_, k): PixelImage => ({
    width: info.width,
    height,
    channels: 4,
    data: new Uint8Array(data.buffer, data.byteOffset + k * frameBytes, frameBytes),
  }));
  return { frames, total: header.pages, partial };
}
