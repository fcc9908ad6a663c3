/**
 * PDQ (Meta's 256-bit perceptual hash with a quality score) from luma, as
 * specified in ../shared/REFERENCE.md and implemented by
 * facebook/ThreatExchange pdq/cpp/hashing/pdqhashing.cpp. Arithmetic is
 * float32 wherever the reference's is, so identical pixels hash identically.
 *
 * One call yields the hash, the quality and, on request, all eight dihedral
 * variants (the hashes of the image rotated and flipped), without rotating
 * the pixels: see pdqDihedralsFromLuma.
 *
 * Hot loops index typed arrays with `!`: every buffer here has a fixed size.
 */
import { dct64To16, dct64To16Folded } from './dct.ts';
import { isMirrorSymmetric } from './jarosz.ts';
import { jaroszDownsample64 } from './jarosz-stream.ts';
import type { LumaImage } from './luma.ts';
import { sourceGeometryGrids } from './source-geometry.ts';
import type { GeometryGrid } from './source-geometry.ts';

export const PDQ_BITS = 256;

/** Below this many rows or columns the reference returns an all-zero hash with quality 0. */
export const PDQ_MIN_DIMENSION = 5;

/**
 * The eight dihedral transforms, in the order the reference returns them
 * (pdqDihedralHash256esFromFloatLuma). Variant k of image X is the hash of X
 * transformed by the k-th entry, computed without transforming the pixels.
 */
export const DIHEDRAL_NAMES = ['original', 'rotate90', 'rotate180', 'rotate270', 'flipX', 'flipY', 'flipPlus1', 'flipMinus1'] as const;
export type DihedralName = (typeof DIHEDRAL_NAMES)[number];

export interface PdqResult {
  /** 32 canonical bytes (big-endian; see algorithm.ts). */
  readonly hash: Uint8Array;
  /** 0 to 100; the reference discards hashes below 50 for matching. */
  readonly quality: number;
}

export interface PdqOptions {
  /**
   * Size of the full-resolution image when `luma` may be a reduced copy of
   * it (the `fast` decode path). The 64x64 grid is then computed in float64
   * from exact filter weights with the full image's geometry
   * (source-geometry.ts): cheaper than the reference's running sums, and
   * within a few bits of the full-resolution hash. Omit it for the
   * reference's float32 arithmetic, bit-exact with the C++ and Java ports.
   */
  readonly source?: { readonly width: number; readonly height: number };
}

export interface PdqDihedralResult extends PdqResult {
  /** Eight hashes in DIHEDRAL_NAMES order; the first equals `hash`. */
  readonly dihedrals: readonly Uint8Array[];
}

// Working memory shared by all calls: JavaScript runs one call at a time, so
// the hot path allocates only its results. Grid and block g belong to the
// flip group g (see REVERSED_AXES); group 0 is the image as it is.
const grids = Array.from({ length: 4 }, () => new Float32Array(64 * 64));
const blocks = Array.from({ length: 4 }, () => new Float32Array(16 * 16));
const variant = new Float32Array(16 * 16);
const sorted = new Float32Array(16 * 16);

/** Flip groups: which axes of the original a variant reverses, as a bit mask. */
const ROWS_REVERSED = 2;
const COLS_REVERSED = 1;

/**
 * Per variant (DIHEDRAL_NAMES order), the axes of the original it reverses.
 * The rest of a variant is a transpose, to which PDQ's downsampling is
 * blind: it filters and samples each axis by that axis's length alone.
 */
const REVERSED_AXES: readonly number[] = [
  0, // original
  COLS_REVERSED, // rotate90: its rows are the original's columns, right to left
  ROWS_REVERSED | COLS_REVERSED, // rotate180
  ROWS_REVERSED, // rotate270: its columns are the original's rows, bottom to top
  ROWS_REVERSED, // flipX
  COLS_REVERSED, // flipY
  0, // flipPlus1
  ROWS_REVERSED | COLS_REVERSED, // flipMinus1
];

/** PDQ hash and quality of a luma image. */
export function pdqFromLuma(luma: LumaImage, options: PdqOptions = {}): PdqResult {
  const quality = transform(luma, options, [0]);
  if (quality < 0) return { hash: new Uint8Array(32), quality: 0 };
  return { hash: bitsAboveMedian(blocks[0]!), quality };
}

/**
 * PDQ hash, quality and the eight dihedral variants of a luma image: variant
 * k is the hash PDQ gives the image rotated or flipped by DIHEDRAL_NAMES[k]
 * (up to float rounding), for every size.
 *
 * The reference derives all eight from the original's DCT by sign changes
 * and transposes. That is exact only when PDQ's downsampling is itself
 * mirror-symmetric, which for most sizes it is not (isMirrorSymmetric): a
 * flipped image is filtered with the box window's offset mirrored and
 * sampled at mirrored points, a pixel away from the original's, and small
 * images then drift by tens of bits. So the grid is computed for each flip
 * group that differs (an axis reversed where that axis is asymmetric): the
 * points the flipped image's own sampling uses, with its mirrored windows,
 * read back in the original's orientation (source-geometry.ts, float64).
 * Each such grid gets its own DCT; the sign and transpose rules then give
 * that group's variants exactly. The original's grid and DCT stay the
 * reference's float32 computation, bit for bit (docs/HASHING.md).
 */
export function pdqDihedralsFromLuma(luma: LumaImage, options: PdqOptions = {}): PdqDihedralResult {
  const rows = options.source?.height ?? luma.height;
  const cols = options.source?.width ?? luma.width;
  const asymmetric = (isMirrorSymmetric(rows) ? 0 : ROWS_REVERSED) | (isMirrorSymmetric(cols) ? 0 : COLS_REVERSED);
  const groupOf = REVERSED_AXES.map((axes) => axes & asymmetric);
  const quality = transform(luma, options, [...new Set(groupOf)]);
  if (quality < 0) {
    const dihedrals = DIHEDRAL_NAMES.map(() => new Uint8Array(32));
    return { hash: dihedrals[0] ?? new Uint8Array(32), quality: 0, dihedrals };
  }
  const dihedrals = DIHEDRAL_TRANSFORMS.map((apply, k) => {
    apply(blocks[groupOf[k] ?? 0]!, variant);
    return bitsAboveMedian(variant);
  });
  return { hash: dihedrals[0] ?? bitsAboveMedian(blocks[0]!), quality, dihedrals };
}

/**
 * Fills grids[g] and blocks[g] (the 16x16 DCT block) for each flip group g in
 * `groups` (which starts with 0) and returns the quality of the original's
 * grid, or -1 for an image too small to hash.
 */
function transform(luma: LumaImage, options: PdqOptions, groups: readonly number[]): number {
  const { width: cols, height: rows, data } = luma;
  const { source } = options;
  if (data.length < rows * cols) throw new RangeError(`luma buffer holds ${data.length} values, ${cols}x${rows} needs ${rows * cols}`);
  if (rows < 1 || cols < 1) return -1;
  const original = grids[0]!;
  const requests = (gs: readonly number[]): GeometryGrid[] =>
    gs.map((g) => ({ reversedRows: (g & ROWS_REVERSED) !== 0, reversedCols: (g & COLS_REVERSED) !== 0, out: grids[g]! }));
  if (source !== undefined) {
    if (source.height < PDQ_MIN_DIMENSION || source.width < PDQ_MIN_DIMENSION) return -1;
    sourceGeometryGrids(data, rows, cols, source.height, source.width, requests(groups));
  } else {
    if (rows < PDQ_MIN_DIMENSION || cols < PDQ_MIN_DIMENSION) return -1;
    if (rows === 64 && cols === 64) original.set(data.subarray(0, 64 * 64));
    else jaroszDownsample64(data, rows, cols, original);
    // The flipped groups have no float32 reference to follow: the exact
    // weights in float64, as the fast path computes them.
    const flipped = groups.filter((g) => g !== 0);
    if (flipped.length > 0) sourceGeometryGrids(data, rows, cols, rows, cols, requests(flipped));
  }
  const quality = imageDomainQuality(original);
  for (const g of groups) {
    if (g === 0) dct64To16(original, blocks[0]!);
    else dct64To16Folded(grids[g]!, blocks[g]!);
  }
  return quality;
}

/**
 * Sum over vertical and horizontal neighbours of |trunc((u - v) * 100 / 255)|,
 * divided by 90 and capped at 100 (pdqImageDomainQualityMetric).
 */
export function imageDomainQuality(a: Float32Array): number {
  let gradientSum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      gradientSum += Math.abs(Math.trunc(Math.fround(Math.fround(Math.fround(a[i * 64 + j]! - a[(i + 1) * 64 + j]!) * 100) / 255)));
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      gradientSum += Math.abs(Math.trunc(Math.fround(Math.fround(Math.fround(a[i * 64 + j]! - a[i * 64 + j + 1]!) * 100) / 255)));
    }
  }
  return Math.min(Math.trunc(gradientSum / 90), 100);
}

/**
 * Bit i*16 + j is set when B[i][j] exceeds the median (strictly). The
 * reference's median is Torben's; for 256 values it always returns the
 * 128th smallest, which is what this takes from a sorted copy.
 * Bit k lives in 16-bit word k >> 4 at position k & 15, and the hex form
 * prints words 15 down to 0, so bit k is bit (k & 7) of byte 31 - (k >> 3).
 */
function bitsAboveMedian(b: Float32Array): Uint8Array {
  sorted.set(b);
  sorted.sort();
  const median = sorted[127]!;
  const hash = new Uint8Array(32);
  for (let k = 0; k < 256; k++) {
    if (b[k]! > median) hash[31 - (k >> 3)]! |= 1 << (k & 7);
  }
  return hash;
}

type DihedralTransform = (a: Float32Array, b: Float32Array) => void;

// The DCT of a rotated or flipped image is the original's, transposed and/or
// with alternate signs flipped (REFERENCE.md; dct16OriginalTo* in the reference).
const DIHEDRAL_TRANSFORMS: readonly DihedralTransform[] = [
  (a, b) => b.set(a),
  (a, b) => eachCoefficient((i, j, v) => (b[j * 16 + i] = j & 1 ? v : -v), a),
  (a, b) => eachCoefficient((i, j, v) => (b[i * 16 + j] = (i + j) & 1 ? -v : v), a),
  (a, b) => eachCoefficient((i, j, v) => (b[j * 16 + i] = i & 1 ? v : -v), a),
  (a, b) => eachCoefficient((i, j, v) => (b[i * 16 + j] = i & 1 ? v : -v), a),
  (a, b) => eachCoefficient((i, j, v) => (b[i * 16 + j] = j & 1 ? v : -v), a),
  (a, b) => eachCoefficient((i, j, v) => (b[j * 16 + i] = v), a),
  (a, b) => eachCoefficient((i, j, v) => (b[j * 16 + i] = (i + j) & 1 ? -v : v), a),
];

function eachCoefficient(visit: (i: number, j: number, value: number) => void, a: Float32Array): void {
  for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) visit(i, j, a[i * 16 + j]!);
}
