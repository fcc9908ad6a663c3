/**
 * PDQ's 64x64 downsample of a *reduced* image, with the geometry of its
 * full-size source: the `fast` decode path hashes an image the decoder has
 * already shrunk, and filtering that with windows sized for the small image
 * moves the hash 10 to 20 bits from the full-resolution hash, while the
 * pixels themselves lose very little (docs/HASHING.md has the figures).
 *
 * So the reduced image is treated as what it approximates: each reduced
 * pixel is the mean of the source pixels it covers. PDQ's filter (two box
 * passes per axis with the reference's windows, then sampling cell centres)
 * is linear and separable, so its 64x64 output is P_rows * Y * P_cols^T,
 * where each row of P holds the tent weights of one sample point in source
 * pixels, gathered into the reduced pixels that cover them. The weights are
 * computed in float64 once per (source size, reduced size) and kept.
 *
 * The same weights give the grid PDQ samples from the image flipped along
 * either axis, read back in the original's orientation (`reversedRows`,
 * `reversedCols`): the dihedral variants need it because PDQ's box window is
 * off-centre for even widths, and its sample points sit off-centre when 128
 * divides the side, so flipping an image moves where PDQ looks by a pixel.
 */
import { jaroszWindowSize } from './jarosz.ts';

/** Sparse weights of the 64 sample points along one axis: row i covers reduced pixels start[i] .. start[i] + length - 1. */
interface AxisWeights {
  readonly start: Int32Array;
  readonly length: Int32Array;
  /** Row i's weights at offset[i]. */
  readonly offset: Int32Array;
  readonly weights: Float64Array;
}

const cache = new Map<string, AxisWeights>();
const CACHE_LIMIT = 64;

/**
 * Weights for reducing an axis of `sourceLength` pixels, now `reducedLength`
 * long, to PDQ's 64 samples. With `reversed`, the weights PDQ applies to the
 * axis reversed, in this axis's order: sample i is then sample 63 - i of the
 * reversed axis, and reduced pixel k is its pixel reducedLength - 1 - k.
 */
export function axisWeights(sourceLength: number, reducedLength: number, reversed = false): AxisWeights {
  const key = `${sourceLength}:${reducedLength}:${reversed ? 'r' : 'f'}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const built = reversed ? reflect(axisWeights(sourceLength, reducedLength), reducedLength) : buildAxisWeights(sourceLength, reducedLength);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, built);
  return built;
}

/** Sample i of `forward`'s mirror image is its sample 63 - i, over the mirrored pixels, weights in reverse. */
function reflect(forward: AxisWeights, reduced: number): AxisWeights {
  const start = new Int32Array(64);
  const length = new Int32Array(64);
  const offset = new Int32Array(64);
  const weights = new Float64Array(forward.weights.length);
  let total = 0;
  for (let i = 0; i < 64; i++) {
    const from = 63 - i;
    const len = forward.length[from]!;
    const off = forward.offset[from]!;
    start[i] = reduced - forward.start[from]! - len;
    length[i] = len;
    offset[i] = total;
    for (let k = 0; k < len; k++) weights[total + k] = forward.weights[off + len - 1 - k]!;
    total += len;
  }
  return { start, length, offset, weights };
}

function buildAxisWeights(n: number, reduced: number): AxisWeights {
  const window = jaroszWindowSize(n, 64);
  const half = (window + 2) >> 1;
  const before = window - half; // samples before the centre; half - 1 after it
  // Source window of box output o: [o - before, o + half - 1], clipped, equal weights.
  const lo = (o: number): number => Math.max(0, o - before);
  const hi = (o: number): number => Math.min(n - 1, o + half - 1);
  const scale = reduced / n; // reduced pixels per source pixel
  const start = new Int32Array(64);
  const length = new Int32Array(64);
  const offset = new Int32Array(64);
  const rows: Float64Array[] = [];
  let total = 0;
  for (let i = 0; i < 64; i++) {
    const centre = Math.trunc(((i + 0.5) * n) / 64);
    // Tent: box of boxes. t[x] over source x in [tLo, tHi].
    const tLo = lo(lo(centre));
    const tHi = hi(hi(centre));
    // Each inner box adds `inner` over [lo(j), hi(j)]: marked at its ends, then summed in one pass, so that
    // the tent costs its width, not its width squared (a crafted 4,000,000-pixel axis took minutes).
    const tent = new Float64Array(tHi - tLo + 2);
    const outer = 1 / (hi(centre) - lo(centre) + 1);
    for (let j = lo(centre); j <= hi(centre); j++) {
      const inner = outer / (hi(j) - lo(j) + 1);
      tent[lo(j) - tLo] = (tent[lo(j) - tLo] ?? 0) + inner;
      tent[hi(j) - tLo + 1] = (tent[hi(j) - tLo + 1] ?? 0) - inner;
    }
    for (let x = 1; x < tent.length; x++) tent[x] = (tent[x] ?? 0) + (tent[x - 1] ?? 0);
    // Gather source pixel x (spanning [x, x + 1)) into the reduced pixels k
    // (spanning [k / scale, (k + 1) / scale)) by overlap.
    const kLo = Math.min(reduced - 1, Math.floor(tLo * scale));
    const kHi = Math.min(reduced - 1, Math.floor((tHi + 1) * scale - 1e-9));
    const row = new Float64Array(kHi - kLo + 1);
    for (let x = tLo; x <= tHi; x++) {
      const weight = tent[x - tLo] ?? 0;
      const a = x * scale;
      const b = (x + 1) * scale;
      for (let k = Math.floor(a); k <= Math.min(kHi, Math.ceil(b) - 1); k++) {
        const overlap = Math.min(b, k + 1) - Math.max(a, k);
        if (overlap > 0) row[k - kLo] = (row[k - kLo] ?? 0) + (weight * overlap) / scale;
      }
    }
    start[i] = kLo;
    length[i] = row.length;
    offset[i] = total;
    total += row.length;
    rows.push(row);
  }
  const weights = new Float64Array(total);
  rows.forEach((row, i) => weights.set(row, offset[i] ?? 0));
  return { start, length, offset, weights };
}

/** One grid to compute: PDQ's 64x64 samples of the image, optionally flipped along either axis, in the unflipped orientation. */
export interface GeometryGrid {
  /** Sample the image as PDQ samples it turned upside down (rows taken bottom to top). */
  readonly reversedRows: boolean;
  /** Sample the image as PDQ samples it mirrored left to right. */
  readonly reversedCols: boolean;
  /** 64 * 64 values, row-major. */
  readonly out: Float32Array;
}

let rowsTimesCols = new Float64Array(0);

/**
 * The 64x64 grid PDQ would sample from the full-size source, computed from
 * the reduced luma (rows x cols) of a source of sourceRows x sourceCols.
 */
export function sourceGeometryDownsample64(
  luma: Float32Array,
  rows: number,
  cols: number,
  sourceRows: number,
  sourceCols: number,
  out: Float32Array,
): void {
  sourceGeometryGrids(luma, rows, cols, sourceRows, sourceCols, [{ reversedRows: false, reversedCols: false, out }]);
}

/**
 * Several grids of one image (see GeometryGrid), sharing the column pass
 * among those with the same column orientation.
 */
export function sourceGeometryGrids(
  luma: Float32Array,
  rows: number,
  cols: number,
  sourceRows: number,
  sourceCols: number,
  grids: readonly GeometryGrid[],
): void {
  if (rowsTimesCols.length < rows * 64) rowsTimesCols = new Float64Array(rows * 64);
  const z = rowsTimesCols;
  for (const reversedCols of [false, true]) {
    const wanted = grids.filter((g) => g.reversedCols === reversedCols);
    if (wanted.length === 0) continue;
    sampleColumns(luma, rows, cols, axisWeights(sourceCols, cols, reversedCols), z);
    for (const grid of wanted) sampleRows(z, axisWeights(sourceRows, rows, grid.reversedRows), grid.out);
  }
}

/**
 * z = Y * P_cols^T: each image row reduced to its 64 column samples. Four
 * rows at a time share each weight load (the sums are short, so loads and
 * loop overhead dominate); each sum adds its terms in the same order.
 */
function sampleColumns(luma: Float32Array, rows: number, cols: number, across: AxisWeights, z: Float64Array): void {
  const { start, offset, length, weights } = across;
  let y = 0;
  for (; y + 4 <= rows; y += 4) {
    const b0 = y * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    for (let j = 0; j < 64; j++) {
      const s = start[j]!;
      const off = offset[j]!;
      const len = length[j]!;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < len; k++) {
        const w = weights[off + k]!;
        const x = s + k;
        s0 += w * luma[b0 + x]!;
        s1 += w * luma[b1 + x]!;
        s2 += w * luma[b2 + x]!;
        s3 += w * luma[b3 + x]!;
      }
      z[y * 64 + j] = s0;
      z[(y + 1) * 64 + j] = s1;
      z[(y + 2) * 64 + j] = s2;
      z[(y + 3) * 64 + j] = s3;
    }
  }
  for (; y < rows; y++) {
    const base = y * cols;
    for (let j = 0; j < 64; j++) {
      const s = start[j]!;
      const off = offset[j]!;
      const len = length[j]!;
      let sum = 0;
      for (let k = 0; k < len; k++) sum += weights[off + k]! * luma[base + s + k]!;
      z[y * 64 + j] = sum;
    }
  }
}

/** out = P_rows * z, four columns at a time (each sum in the order k = 0, 1, ...). */
function sampleRows(z: Float64Array, down: AxisWeights, out: Float32Array): void {
  const { start, offset, length, weights } = down;
  for (let i = 0; i < 64; i++) {
    const s = start[i]!;
    const off = offset[i]!;
    const len = length[i]!;
    for (let j = 0; j < 64; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < len; k++) {
        const w = weights[off + k]!;
        const at = (s + k) * 64 + j;
        s0 += w * z[at]!;
        s1 += w * z[at + 1]!;
        s2 += w * z[at + 2]!;
        s3 += w * z[at + 3]!;
      }
      out[i * 64 + j] = s0;
      out[i * 64 + j + 1] = s1;
      out[i * 64 + j + 2] = s2;
      out[i * 64 + j + 3] = s3;
    }
  }
}
