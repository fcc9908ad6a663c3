/**
 * One call from image bytes (or decoded pixels) to every requested hash.
 */
import type { AlgorithmName } from './algorithm.ts';
import { dhash64FromLuma, dhash64QualityFromLuma } from './dhash.ts';
import { md5Digest, sha256Digest } from './exact.ts';
import { pdqCropVariants } from './crop-variants.ts';
import type { CropVariantHash } from './crop-variants.ts';
import { cropLuma, detectFrame } from './frame-detect.ts';
import type { FrameBox } from './frame-detect.ts';
import { decodeImage } from './image-input.ts';
import type { DecodeOptions, ImageFormat } from './image-input.ts';
import { lumaFromPixels } from './luma.ts';
import type { LumaImage, PixelImage } from './luma.ts';
import { pdqDihedralsFromLuma, pdqFromLuma } from './pdq.ts';
import type { PdqOptions } from './pdq.ts';
import { phash64FromLuma } from './phash.ts';

export type PerceptualAlgorithmName = Extract<AlgorithmName, 'pdq' | 'phash64' | 'dhash64'>;

export interface HashResult {
  readonly algorithm: AlgorithmName;
  /** Canonical bytes; the registry formats and compares them. */
  readonly hash: Uint8Array;
  /** Quality, 0 to 100, for the algorithms that have one (PDQ, dHash64); absent for the others. */
  readonly quality?: number;
  /** PDQ with `dihedral`: the 8 variants in DIHEDRAL_NAMES order (the first is `hash`). */
  readonly dihedrals?: readonly Uint8Array[];
}

export interface PixelHashOptions {
  /** Default ['pdq']. */
  readonly algorithms?: readonly PerceptualAlgorithmName[];
  /** Also compute PDQ's 8 dihedral variants (up to three more 64x64 grids and DCTs: see pdqDihedralsFromLuma). */
  readonly dihedral?: boolean;
  /**
   * The full-resolution size of the image `pixels` was decoded from, for the
   * `fast` path: PDQ then uses its float64 filter with that geometry (see
   * PdqOptions.source). Omit for the reference's bit-exact arithmetic.
   */
  readonly source?: { readonly width: number; readonly height: number };
}

export interface ImageHashOptions extends DecodeOptions {
  /** Default ['pdq']. */
  readonly algorithms?: readonly AlgorithmName[];
  readonly dihedral?: boolean;
  /** Also hash the picture inside a frame, when one is found (frame-detect.ts; docs/HASHING.md, "Unframing"). */
  readonly unframe?: boolean;
  /**
   * Also hash the picture cropped by the fixed fractions of CROP_GRID
   * (crop-variants.ts; docs/HASHING.md, "Crops"): PDQ only, for submission
   * as linked variants of one indicator record.
   */
  readonly crops?: boolean;
}

/** The picture inside a frame, hashed as a further query. */
export interface UnframedHashes {
  /** x, y, width, height of the picture inside the frame, in full-resolution pixels as displayed. */
  readonly box: FrameBox;
  /** The perceptual hashes of the picture inside, in the order asked for. */
  readonly results: readonly HashResult[];
}

export interface HashedImage {
  readonly results: readonly HashResult[];
  /** Undefined when only exact hashes were asked for: the bytes were then not decoded. */
  readonly image?: {
    readonly format: ImageFormat;
    /** As displayed, full resolution. */
    readonly width: number;
    readonly height: number;
    /** The pixels actually hashed (smaller than width x height when `fast` reduced them). */
    readonly decodedWidth: number;
    readonly decodedHeight: number;
    /** Decoded as far as truncated or broken data went (only with `tolerant`). */
    readonly partial: boolean;
  };
  /** With `unframe`, when a frame was found: the picture inside it, hashed. */
  readonly unframed?: UnframedHashes;
  /** With `crops` and PDQ asked for: PDQ of each crop of CROP_GRID, in its order. */
  readonly crops?: readonly CropVariantHash[];
}

const DEFAULT_ALGORITHMS: readonly PerceptualAlgorithmName[] = ['pdq'];

/** Luma buffer reused across calls, up to 16 megapixels (64 MB: a 12-megapixel photo decoded exact); larger images get their own, freed after. */
const SCRATCH_LIMIT = 16_000_000;
let lumaScratch = new Float32Array(0);

/** Hashes already-decoded 8-bit grey or RGB(A) pixels with the perceptual algorithms. */
export function hashPixels(pixels: PixelImage, options: PixelHashOptions = {}): HashResult[] {
  return hashPixelsUnframed(pixels, options, false).results;
}

/** What hashPixelsUnframed adds to the plain hashes. */
interface Extras {
  readonly unframe: boolean;
  readonly crops?: boolean;
}

/**
 * hashPixels, and with `unframe` the picture inside a frame when
 * detectFrame finds one (its box in `source` pixels when given). The frame
 * is looked for in the luma already computed for the hashes.
 */
export function hashPixelsUnframed(
  pixels: PixelImage,
  options: PixelHashOptions,
  extras: boolean | Extras,
): { results: HashResult[]; unframed?: UnframedHashes; crops?: CropVariantHash[] } {
  const { unframe, crops = false } = typeof extras === 'boolean' ? { unframe: extras } : extras;
  const n = pixels.width * pixels.height;
  if (lumaScratch.length < n && n <= SCRATCH_LIMIT) lumaScratch = new Float32Array(n);
  // Safe to share: every use of the luma below finishes before this returns.
  const luma = lumaFromPixels(pixels, n <= SCRATCH_LIMIT ? lumaScratch : undefined);
  const results = hashLumaImage(luma, options);
  const variants = crops && (options.algorithms ?? DEFAULT_ALGORITHMS).includes('pdq') ? { crops: pdqCropVariants(luma, undefined, options.source) } : {};
  if (!unframe) return { results, ...variants };
  const unframed = hashUnframedLuma(luma, options);
  return unframed === undefined ? { results, ...variants } : { results, unframed, ...variants };
}

/** The hashes of the picture inside a frame of `luma`, or undefined when it has none; `source` as for hashPixels. */
export function hashUnframedLuma(luma: LumaImage, options: PixelHashOptions = {}): UnframedHashes | undefined {
  const frame = detectFrame(luma);
  if (frame === undefined) return undefined;
  const { source } = options;
  const [x, y, width, height] = frame.box;
  const inside = cropLuma(luma, frame.box);
  if (source === undefined) return { box: frame.box, results: hashLumaImage(inside, options) };
  // The `fast` path decoded reduced pixels: the box, and the geometry PDQ samples with, in full-resolution pixels.
  const scaleX = source.width / luma.width;
  const scaleY = source.height / luma.height;
  const left = Math.round(x * scaleX);
  const top = Math.round(y * scaleY);
  const box: FrameBox = [left, top, Math.round((x + width) * scaleX) - left, Math.round((y + height) * scaleY) - top];
  return { box, results: hashLumaImage(inside, { ...options, source: { width: box[2], height: box[3] } }) };
}

/** Hashes a luma image (e.g. a composite: see image-views.ts) with the perceptual algorithms; `source` as for hashPixels. */
export function hashLumaImage(luma: LumaImage, options: PixelHashOptions = {}): HashResult[] {
  const { algorithms = DEFAULT_ALGORITHMS, dihedral = false, source } = options;
  return algorithms.map((algorithm) => hashLuma(luma, algorithm, dihedral, source === undefined ? {} : { source }));
}

function hashLuma(luma: LumaImage, algorithm: PerceptualAlgorithmName, dihedral: boolean, pdqOptions: PdqOptions): HashResult {
  switch (algorithm) {
    case 'pdq': {
      if (!dihedral) return { algorithm, ...pdqFromLuma(luma, pdqOptions) };
      const { hash, quality, dihedrals } = pdqDihedralsFromLuma(luma, pdqOptions);
      return { algorithm, hash, quality, dihedrals };
    }
    case 'phash64':
      return { algorithm, hash: phash64FromLuma(luma) };
    case 'dhash64':
      return { algorithm, hash: dhash64FromLuma(luma), quality: dhash64QualityFromLuma(luma) };
    default:
      throw new TypeError(`not a perceptual algorithm: ${String(algorithm)}`);
  }
}

/**
 * Decodes image bytes (decode options as decodeImage) and computes every
 * requested hash. MD5 and SHA-256 are of the bytes as given; when only they
 * are asked for, nothing is decoded. Throws ImageInputError.
 */
export async function hashImage(bytes: Uint8Array, options: ImageHashOptions = {}): Promise<HashedImage> {
  const { algorithms = DEFAULT_ALGORITHMS, dihedral = false, unframe = false, crops = false, ...decodeOptions } = options;
  const perceptual = algorithms.filter(isPerceptual);
  let image: HashedImage['image'];
  let perceptualResults: HashResult[] = [];
  let unframed: UnframedHashes | undefined;
  let cropped: CropVariantHash[] | undefined;
  if (perceptual.length > 0) {
    const decoded = await decodeImage(bytes, decodeOptions);
    const fast = (decodeOptions.mode ?? 'fast') === 'fast';
    const hashed = hashPixelsUnframed(
      decoded,
      {
        algorithms: perceptual,
        dihedral,
        ...(fast ? { source: { width: decoded.sourceWidth, height: decoded.sourceHeight } } : {}),
      },
      { unframe, crops },
    );
    perceptualResults = hashed.results;
    unframed = hashed.unframed;
    cropped = hashed.crops;
    image = {
      format: decoded.format,
      width: decoded.sourceWidth,
      height: decoded.sourceHeight,
      decodedWidth: decoded.width,
      decodedHeight: decoded.height,
      partial: decoded.partial,
    };
  }
  const results = algorithms.map((algorithm): HashResult => {
    if (algorithm === 'md5') return { algorithm, hash: md5Digest(bytes) };
    if (algorithm === 'sha256') return { algorithm, hash: sha256Digest(bytes) };
    const found = perceptualResults.find((r) => r.algorithm === algorithm);
    if (found === undefined) throw new TypeError(`no result for ${algorithm}`);
    return found;
  });
  if (image === undefined) return { results };
  return { results, image, ...(unframed === undefined ? {} : { unframed }), ...(cropped === undefined ? {} : { crops: cropped }) };
}

export function isPerceptual(name: AlgorithmName): name is PerceptualAlgorithmName {
  return name === 'pdq' || name === 'phash64' || name === 'dhash64';
}
