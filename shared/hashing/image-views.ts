/**
 * Everything a scan hashes from one upload, so that no way of showing a
 * known picture slips past (docs/SIDECAR.md, "What a scan hashes"):
 *
 * - MD5 and SHA-256 of the bytes, computed first: they match whatever the
 *   bytes are, image or not, decodable or not.
 * - The `original` view: the first frame as the reference hashes it (alpha
 *   dropped), decoded as far as it goes when the data is truncated (`partial`;
 *   a cut-off GIF is closed first: truncated-gif.ts; of a cut-off interlaced
 *   PNG, the pixels of the passes that arrived: truncated-png.ts).
 * - With transparency, the first frame composited on white (`white`) and on
 *   black (`black`), as a page shows it.
 * - 16-bit grey, scaled to 8 bits as a viewer shows it (`scaled`): the
 *   reference decode of `original` clips it, so a full-range picture is white.
 * - Every further frame of an animated image up to the frame cap and the
 *   pixel budget (`frame:N`, 1-based, or `frame:N/white` and `frame:N/black`
 *   when it has transparency). For an animated PNG, every frame of the
 *   animation (apng.ts), the first included: its default image, `original`,
 *   need not be part of the animation a browser plays.
 * - With `unframe`, the picture inside a frame, letterbox, pillarbox or
 *   caption band of the first frame, when one is found (`unframed`:
 *   frame-detect.ts); nothing more for a picture without one.
 *
 * A view whose perceptual hashes equal an earlier view's is left out.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isOpaque, lumaOver } from './composite.ts';
import { md5Digest, sha256Digest } from './exact.ts';
import { hashImage, hashLumaImage } from './hash-image.ts';
import type { HashResult, PerceptualAlgorithmName } from './hash-image.ts';
import { isApng, readApng, renderApng } from './apng.ts';
import { closeTruncatedGif } from './truncated-gif.ts';
import { repairTruncatedInterlacedPng } from './truncated-png.ts';
import type { RepairedPng } from './truncated-png.ts';
import { decodeFrames, frameCap, framesWithinBudget } from './image-frames.ts';
import type { DecodedFrames } from './image-frames.ts';
import { decodedPixels, decodeImage, DEFAULT_MAX_PIXELS, ImageInputError, readImageHeader } from './image-input.ts';
import type { DecodeMode, ImageHeader, ImageInputCode } from './image-input.ts';
import { lumaFromPixels } from './luma.ts';
import type { LumaImage, PixelImage } from './luma.ts';

export interface ViewHashes {
  /** `original`, `unframed`, `scaled`, `white`, `black`, `frame:N`, `frame:N/white`, `frame:N/black`. */
  readonly view: string;
  /** The perceptual hashes of this view, in the order asked for. */
  readonly results: readonly HashResult[];
}

export interface ImageViewsOptions {
  /** Default ['pdq']. */
  readonly algorithms?: readonly PerceptualAlgorithmName[];
  readonly dihedral?: boolean;
  /** Also hash the picture inside a frame of the first frame, as the view `unframed` (default false). */
  readonly unframe?: boolean;
  /** Decode path of the `original` view (default fast); the other views are decoded at full resolution. */
  readonly mode?: DecodeMode;
  /** Pixels decoded at most: one frame for `original`, all frames together for the rest (default DEFAULT_MAX_PIXELS). */
  readonly maxPixels?: number;
  /** Frames hashed at most (default DEFAULT_MAX_FRAMES). */
  readonly maxFrames?: number;
  /** Digests of the bytes to compute (default both). */
  readonly exact?: readonly ('md5' | 'sha256')[];
}

export interface ImageViews {
  /** MD5 and SHA-256 of the bytes as given (those asked for), whatever the bytes are. */
  readonly exact: readonly HashResult[];
  /** Empty when the bytes could not be decoded (see `skipped`). */
  readonly views: readonly ViewHashes[];
  /** Some data was truncated or broken and decoded as far as it went. */
  readonly partial: boolean;
  /** Frames hashed of the frames in the file. */
  readonly frames: { readonly hashed: number; readonly total: number };
  /** Why no perceptual hash was computed (the bytes are no image sharp decodes, or too large). */
  readonly skipped?: { readonly code: ImageInputCode; readonly message: string };
}

/** Hashes every view of the bytes. Never throws ImageInputError: an undecodable body still has its exact hashes. */
export function hashImageViews(bytes: Uint8Array, options: ImageViewsOptions = {}): Promise<ImageViews> {
  return viewsOf(bytes, options, false);
}

/**
 * Below this many decoded pixels, hashing the first frame (luma, PDQ with
 * its dihedral variants, pHash) takes a few milliseconds of JavaScript at
 * most: about 15 ns per pixel.
 */
export const LIGHT_HASHING_PIXELS = 262_144;

/**
 * Whether hashing the bytes is heavy JavaScript work, from the header alone:
 * views beyond `original` (frames of an animation, composites of a picture
 * with transparency, 16-bit grey scaled), or a first frame decoded at more
 * than LIGHT_HASHING_PIXELS (formats other than JPEG and WebP are decoded
 * at full size: a 100-megapixel PNG's luma alone took 1.6 s). The sidecar
 * hashes these in worker threads (client/sidecar/scan-workers.ts). False for
 * bytes whose header cannot be read.
 */
export async function isHeavyToHash(bytes: Uint8Array, options: Pick<ImageViewsOptions, 'maxPixels' | 'maxFrames' | 'mode'> = {}): Promise<boolean> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  let header: ImageHeader;
  try {
    header = await readImageHeader(bytes, maxPixels);
  } catch (cause) {
    if (cause instanceof ImageInputError) return false;
    throw cause;
  }
  const frameOptions = { ...(options.maxFrames !== undefined ? { maxFrames: options.maxFrames } : {}), maxPixels, tolerant: true };
  if (header.hasAlpha || header.grey16 || framesWithinBudget(header, frameOptions) > 1) return true;
  if (decodedPixels(header, options.mode) > LIGHT_HASHING_PIXELS) return true;
  return header.format === 'png' && (await isApng(bytes));
}

/** `closed`: the bytes are a cut GIF closed already; closing them again would only pad them further. */
async function viewsOf(bytes: Uint8Array, options: ImageViewsOptions, closed: boolean): Promise<ImageViews> {
  const { algorithms = ['pdq'], dihedral = false, mode = 'fast', maxPixels = DEFAULT_MAX_PIXELS } = options;
  const exact = (options.exact ?? ['md5', 'sha256']).map((algorithm): HashResult => ({ algorithm, hash: algorithm === 'md5' ? md5Digest(bytes) : sha256Digest(bytes) }));
  let header: ImageHeader;
  let original: HashResult[];
  let unframed: readonly HashResult[] | undefined;
  let partial: boolean;
  try {
    header = await readImageHeader(bytes, maxPixels);
    const hashed = await hashImage(bytes, { algorithms, dihedral, mode, maxPixels, tolerant: true, unframe: options.unframe === true });
    original = [...hashed.results];
    unframed = hashed.unframed?.results;
    partial = hashed.image?.partial === true;
  } catch (cause) {
    if (!(cause instanceof ImageInputError)) throw cause;
    // A cut-off GIF is refused from its header; closed where it ends, it decodes as far as it went.
    const closedBytes = cause.code === 'IMAGE_CORRUPT' && !closed ? await closeTruncatedGif(bytes) : undefined;
    const fromClosed = closedBytes === undefined ? undefined : await viewsOf(closedBytes, options, true);
    if (fromClosed !== undefined && fromClosed.skipped === undefined) return { ...fromClosed, exact, partial: true };
    // A cut-off interlaced PNG: the pixels of the passes that arrived, as a browser shows them.
    const repaired = cause.code === 'IMAGE_CORRUPT' ? await repairTruncatedInterlacedPng(bytes, maxPixels) : undefined;
    if (repaired !== undefined) {
      const grid = await passPixels(repaired);
      if (grid !== undefined) {
        const results = hashLumaImage(lumaFromPixels(grid), { algorithms, dihedral, ...(mode === 'fast' ? { source: { width: grid.width, height: grid.height } } : {}) });
        return { exact, views: [{ view: 'original', results }], partial: true, frames: { hashed: 1, total: 1 } };
      }
    }
    return { exact, views: [], partial: false, frames: { hashed: 0, total: 0 }, skipped: { code: cause.code, message: cause.message } };
  }

  const views: ViewHashes[] = [{ view: 'original', results: original }];
  if (unframed !== undefined && keyOf(unframed) !== keyOf(original)) views.push({ view: 'unframed', results: unframed });
  const frameOptions = { ...(options.maxFrames !== undefined ? { maxFrames: options.maxFrames } : {}), maxPixels, tolerant: true };
  // libvips reads only an APNG's default image, which a browser playing the animation may never show.
  const animation = header.format === 'png' ? await readApng(bytes, frameCap(header.width * header.height, frameOptions)) : undefined;
  // 16-bit grey is clipped to 255 by the reference decode (mostly white: quality 0); a viewer scales it.
  const needsFrames = header.hasAlpha || header.grey16 || framesWithinBudget(header, frameOptions) > 1;
  if (!needsFrames && animation === undefined) return { exact, views, partial, frames: { hashed: 1, total: header.pages } };

  const seen = new Set(views.map((v) => keyOf(v.results)));
  const add = (view: string, luma: LumaImage): void => {
    // `fast` takes PDQ's float64 filter (same geometry, far cheaper than the reference's float32 running sums).
    const results = hashLumaImage(luma, { algorithms, dihedral, ...(mode === 'fast' ? { source: { width: luma.width, height: luma.height } } : {}) });
    const key = keyOf(results);
    if (seen.has(key)) return;
    seen.add(key);
    views.push({ view, results });
  };
  /** `name` '' is the first frame, whose opaque form is `original` already (or `scaled` for 16-bit grey). */
  const addFrame = (frame: PixelImage, name: string): void => {
    if (isOpaque(frame)) {
      if (name !== '') add(name, lumaFromPixels(frame));
      else if (header.grey16) add('scaled', lumaFromPixels(frame));
      return;
    }
    const base = lumaFromPixels(frame);
    add(withBackground(name, 'white'), lumaOver(frame, 255, base));
    add(withBackground(name, 'black'), lumaOver(frame, 0, base));
  };

  let frames = { hashed: 1, total: header.pages };
  if (needsFrames) {
    let decoded: DecodedFrames | undefined;
    try {
      decoded = await decodeFrames(bytes, header, frameOptions);
    } catch (cause) {
      if (!(cause instanceof ImageInputError)) throw cause;
      // The first frame was hashed; the rest could not be decoded, which the answer says.
      partial = true;
    }
    for (const [index, frame] of decoded?.frames.entries() ?? []) {
      // Hashing is synchronous: give other requests a turn between views of a long animation.
      await nextTurn();
      addFrame(frame, index === 0 ? '' : `frame:${index + 1}`);
    }
    if (decoded !== undefined) {
      partial ||= decoded.partial;
      frames = { hashed: decoded.frames.length, total: decoded.total };
    }
  }
  if (animation !== undefined) {
    // The animation's frames are `frame:1`, `frame:2`, ...; the default image stays `original`.
    const rendered = await renderApng(animation, async (canvas, index) => {
      await nextTurn();
      addFrame(canvas, `frame:${index + 1}`);
    });
    partial ||= rendered.partial;
    frames = { hashed: rendered.rendered, total: animation.total };
  }
  return { exact, views, partial, frames };
}

/** The pixels of a repaired interlaced PNG that its complete passes cover (alpha dropped, as `original` is). */
async function passPixels(repaired: RepairedPng): Promise<PixelImage | undefined> {
  let decoded: PixelImage;
  try {
    decoded = await decodeImage(repaired.png, { mode: 'exact' });
  } catch (cause) {
    if (cause instanceof ImageInputError) return undefined;
    throw cause;
  }
  const { rowStep, colStep } = repaired;
  const { channels } = decoded;
  const width = Math.ceil(decoded.width / colStep);
  const height = Math.ceil(decoded.height / rowStep);
  const data = new Uint8Array(width * height * channels);
  for (let y = 0, to = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * rowStep * decoded.width + x * colStep) * channels;
      for (let c = 0; c < channels; c++) data[to++] = decoded.data[from + c]!;
    }
  }
  return { width, height, channels, data };
}

/** The 0-based frame a view was taken from (`frame:3/white` -> 2); 0 for the first frame and for `file`. */
export function frameOfView(view: string): number {
  const match = /^frame:([0-9]{1,6})(?:\/|$)/.exec(view);
  return match === null ? 0 : Math.max(0, Number(match[1]) - 1);
}

function withBackground(frame: string, background: 'white' | 'black'): string {
  return frame === '' ? background : `${frame}/${background}`;
}

function keyOf(results: readonly HashResult[]): string {
  return results.map((r) => Buffer.from(r.hash).toString('hex')).join(':');
}
