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

/** Weights for reducing an axis of `sourceLength` pixels, now `reducedLength` long, to PDQ's 64 samples. */
export function axisWeights(sourceLength: number, reducedLength: number): AxisWeights {
  const key = `${sourceLength}:${reducedLength}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const built = buildAxisWeights(sourceLength, reducedLength);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, built);
  return built;
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
    const tent = new Float64Array(tHi - tLo + 1);
    const outer = 1 / (hi(centre) - lo(centre) + 1);
    for (let j = lo(centre); j <= hi(centre); j++) {
      const inner = outer / (hi(j) - lo(j) + 1);
      for (let x = lo(j); x <= hi(j); x++) tent[x - tLo] = (tent[x - tLo] ?? 0) + inner;
    }
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
  const across = axisWeights(sourceCols, cols);
  const down = axisWeights(sourceRows, rows);
  if (rowsTimesCols.length < rows * 64) rowsTimesCols = new Float64Array(rows * 64);
  const z = rowsTimesCols;
  // z = Y * P_cols^T: each image row reduced to its 64 column samples.
  for (let y = 0; y < rows; y++) {
    const base = y * cols;
    for (let j = 0; j < 64; j++) {
      const s = across.start[j]!;
      const off = across.offset[j]!;
      const len = across.length[j]!;
      let sum = 0;
      for (let k = 0; k < len; k++) sum += across.weights[off + k]! * luma[base + s + k]!;
      z[y * 64 + j] = sum;
    }
  }
  // out = P_rows * z.
  for (let i = 0; i < 64; i++) {
    const s = down.start[i]!;
    const off = down.offset[i]!;
    const len = down.length[i]!;
    for (let j = 0; j < 64; j++) {
      let sum = 0;
      for (let k = 0; k < len; k++) sum += down.weights[off + k]! * z[(s + k) * 64 + j]!;
      out[i * 64 + j] = sum;
    }
  }
}
