/**
 * PDQ (Meta's 256-bit perceptual hash with a quality score) from luma, as
 * specified in ../shared/REFERENCE.md and implemented by
 * facebook/ThreatExchange pdq/cpp/hashing/pdqhashing.cpp. Arithmetic is
 * float32 wherever the reference's is, so identical pixels hash identically.
 *
 * One call yields the hash, the quality and, on request, all eight dihedral
 * variants (the hashes of the image rotated and flipped), all from one DCT.
 *
 * Hot loops index typed arrays with `!`: every buffer here has a fixed size.
 */
import { jaroszDownsample64 } from './jarosz-stream.ts';
import type { LumaImage } from './luma.ts';
import { sourceGeometryDownsample64 } from './source-geometry.ts';

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

// D[k][j] = sqrt(2/64) * cos(pi/128 * (k + 1) * (2j + 1)), k = 0..15 (the DC row is skipped):
// a float scale times a double cosine, rounded to float, as the reference builds it.
const DCT_16x64 = new Float32Array(16 * 64);
{
  const scale = Math.fround(Math.sqrt(2 / 64));
  for (let k = 0; k < 16; k++) {
    for (let j = 0; j < 64; j++) DCT_16x64[k * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (k + 1) * (2 * j + 1));
  }
}

// Working memory shared by all calls: JavaScript runs one call at a time, so
// the hot path allocates only its results.
const grid64 = new Float32Array(64 * 64);
const temp16x64 = new Float32Array(16 * 64);
const coeffs = new Float32Array(16 * 16);
const variant = new Float32Array(16 * 16);
const sorted = new Float32Array(16 * 16);

/** PDQ hash and quality of a luma image. */
export function pdqFromLuma(luma: LumaImage, options: PdqOptions = {}): PdqResult {
  const quality = transform(luma, options);
  if (quality < 0) return { hash: new Uint8Array(32), quality: 0 };
  return { hash: bitsAboveMedian(coeffs), quality };
}

/** PDQ hash, quality and the eight dihedral variants of a luma image, from one DCT. */
export function pdqDihedralsFromLuma(luma: LumaImage, options: PdqOptions = {}): PdqDihedralResult {
  const quality = transform(luma, options);
  if (quality < 0) {
    const dihedrals = DIHEDRAL_NAMES.map(() => new Uint8Array(32));
    return { hash: dihedrals[0] ?? new Uint8Array(32), quality: 0, dihedrals };
  }
  const dihedrals = DIHEDRAL_TRANSFORMS.map((apply) => {
    apply(coeffs, variant);
    return bitsAboveMedian(variant);
  });
  return { hash: dihedrals[0] ?? bitsAboveMedian(coeffs), quality, dihedrals };
}

/**
 * Fills `coeffs` with the 16x16 DCT block and returns the quality, or -1 for
 * an image too small to hash.
 */
function transform(luma: LumaImage, options: PdqOptions): number {
  const { width: cols, height: rows, data } = luma;
  const { source } = options;
  if (data.length < rows * cols) throw new RangeError(`luma buffer holds ${data.length} values, ${cols}x${rows} needs ${rows * cols}`);
  if (rows < 1 || cols < 1) return -1;
  if (source !== undefined) {
    if (source.height < PDQ_MIN_DIMENSION || source.width < PDQ_MIN_DIMENSION) return -1;
    sourceGeometryDownsample64(data, rows, cols, source.height, source.width, grid64);
  } else if (rows < PDQ_MIN_DIMENSION || cols < PDQ_MIN_DIMENSION) return -1;
  else if (rows === 64 && cols === 64) grid64.set(data.subarray(0, 64 * 64));
  else jaroszDownsample64(data, rows, cols, grid64);
  const quality = imageDomainQuality(grid64);
  dct64To16(grid64, coeffs);
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
 * B = D A D^T with float32 sums accumulated in the reference's order
 * (dct64To16): each output is one chain of 64 dependent additions, so four
 * outputs are accumulated side by side for the processor to overlap them.
 */
function dct64To16(a: Float32Array, out: Float32Array): void {
  const d = DCT_16x64;
  const t = temp16x64;
  const f = Math.fround;
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < 64; k++) {
        const dk = d[i * 64 + k]!;
        const row = k * 64 + j;
        s0 = f(s0 + f(dk * a[row]!));
        s1 = f(s1 + f(dk * a[row + 1]!));
        s2 = f(s2 + f(dk * a[row + 2]!));
        s3 = f(s3 + f(dk * a[row + 3]!));
      }
      t[i * 64 + j] = s0;
      t[i * 64 + j + 1] = s1;
      t[i * 64 + j + 2] = s2;
      t[i * 64 + j + 3] = s3;
    }
  }
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < 64; k++) {
        const tk = t[i * 64 + k]!;
        s0 = f(s0 + f(tk * d[j * 64 + k]!));
        s1 = f(s1 + f(tk * d[(j + 1) * 64 + k]!));
        s2 = f(s2 + f(tk * d[(j + 2) * 64 + k]!));
        s3 = f(s3 + f(tk * d[(j + 3) * 64 + k]!));
      }
      out[i * 16 + j] = s0;
      out[i * 16 + j + 1] = s1;
      out[i * 16 + j + 2] = s2;
      out[i * 16 + j + 3] = s3;
    }
  }
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
