/**
 * PDQ's downscaler: two passes of 1-D box filters along rows then columns (a
 * tent filter, after Jarosz), then decimation to 64x64 by sampling the
 * centre of each output cell. Follows facebook/ThreatExchange
 * pdq/cpp/downscaling/downscaling.cpp (box1DFloat, jaroszFilterFloat,
 * decimateFloat) operation for operation, in float32: the box sums are
 * running sums whose rounding depends on their history, so both the
 * traversal order and the division by the count actually in the window are
 * kept exactly, or full-resolution hashes would drift from the reference's.
 *
 * Hot loops index typed arrays with `!`: bounds are established by the callers.
 */

/** Window per pass for reducing `oldDimension` to `newDimension` (two passes): ceil(old / (2 * new)). */
export function jaroszWindowSize(oldDimension: number, newDimension: number): number {
  return Math.trunc((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/**
 * Box-filters every row of `input` (rows x cols, row-major) into `output`.
 * The window is placed as the reference places it: `half = (w + 2) >> 1`
 * samples at and after i, w - half before, clipped at the ends, and the sum
 * divided by the number of samples actually in it.
 *
 * A row's running sum is one long chain of dependent float operations, so
 * four rows are swept side by side for the processor to overlap their chains
 * (three times faster); each row's arithmetic is unchanged.
 */
export function boxAlongRows(input: Float32Array, output: Float32Array, rows: number, cols: number, window: number): void {
  const half = (window + 2) >> 1;
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = cols - window;
  const phase4 = half - 1;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b0 = r * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let count = 0;
    let ri = 0;
    let li = 0;
    let oi = 0;
    for (let i = 0; i < phase1; i++, ri++) {
      s0 = Math.fround(s0 + input[b0 + ri]!);
      s1 = Math.fround(s1 + input[b1 + ri]!);
      s2 = Math.fround(s2 + input[b2 + ri]!);
      s3 = Math.fround(s3 + input[b3 + ri]!);
      count++;
    }
    for (let i = 0; i < phase2; i++, ri++, oi++) {
      s0 = Math.fround(s0 + input[b0 + ri]!);
      s1 = Math.fround(s1 + input[b1 + ri]!);
      s2 = Math.fround(s2 + input[b2 + ri]!);
      s3 = Math.fround(s3 + input[b3 + ri]!);
      count++;
      output[b0 + oi] = s0 / count;
      output[b1 + oi] = s1 / count;
      output[b2 + oi] = s2 / count;
      output[b3 + oi] = s3 / count;
    }
    for (let i = 0; i < phase3; i++, ri++, li++, oi++) {
      s0 = Math.fround(Math.fround(s0 + input[b0 + ri]!) - input[b0 + li]!);
      s1 = Math.fround(Math.fround(s1 + input[b1 + ri]!) - input[b1 + li]!);
      s2 = Math.fround(Math.fround(s2 + input[b2 + ri]!) - input[b2 + li]!);
      s3 = Math.fround(Math.fround(s3 + input[b3 + ri]!) - input[b3 + li]!);
      output[b0 + oi] = s0 / count;
      output[b1 + oi] = s1 / count;
      output[b2 + oi] = s2 / count;
      output[b3 + oi] = s3 / count;
    }
    for (let i = 0; i < phase4; i++, li++, oi++) {
      s0 = Math.fround(s0 - input[b0 + li]!);
      s1 = Math.fround(s1 - input[b1 + li]!);
      s2 = Math.fround(s2 - input[b2 + li]!);
      s3 = Math.fround(s3 - input[b3 + li]!);
      count--;
      output[b0 + oi] = s0 / count;
      output[b1 + oi] = s1 / count;
      output[b2 + oi] = s2 / count;
      output[b3 + oi] = s3 / count;
    }
  }
  for (; r < rows; r++) boxOneRow(input, output, r * cols, phase1, phase2, phase3, phase4);
}

function boxOneRow(input: Float32Array, output: Float32Array, base: number, phase1: number, phase2: number, phase3: number, phase4: number): void {
  let sum = 0;
  let count = 0;
  let ri = base;
  let li = base;
  let oi = base;
  for (let i = 0; i < phase1; i++) {
    sum = Math.fround(sum + input[ri++]!);
    count++;
  }
  for (let i = 0; i < phase2; i++) {
    sum = Math.fround(sum + input[ri++]!);
    count++;
    output[oi++] = sum / count;
  }
  for (let i = 0; i < phase3; i++) {
    sum = Math.fround(Math.fround(sum + input[ri++]!) - input[li++]!);
    output[oi++] = sum / count;
  }
  for (let i = 0; i < phase4; i++) {
    sum = Math.fround(sum - input[li++]!);
    count--;
    output[oi++] = sum / count;
  }
}

/**
 * Box-filters every column of `input` into `output`. Same arithmetic per
 * column as boxAlongRows per row, but swept row by row with one running sum
 * per column, so memory is read in order instead of with a stride.
 */
export function boxAlongCols(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
  sums: Float32Array,
): void {
  const half = (window + 2) >> 1;
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = rows - window;
  const phase4 = half - 1;
  sums.fill(0, 0, cols);
  let count = 0;
  let ri = 0; // offset of the row being added
  let li = 0; // offset of the row being subtracted
  let oi = 0; // offset of the row being written
  for (let i = 0; i < phase1; i++, ri += cols) {
    for (let j = 0; j < cols; j++) sums[j] = sums[j]! + input[ri + j]!;
    count++;
  }
  for (let i = 0; i < phase2; i++, ri += cols, oi += cols) {
    count++;
    for (let j = 0; j < cols; j++) {
      const s = Math.fround(sums[j]! + input[ri + j]!);
      sums[j] = s;
      output[oi + j] = s / count;
    }
  }
  for (let i = 0; i < phase3; i++, ri += cols, li += cols, oi += cols) {
    for (let j = 0; j < cols; j++) {
      const s = Math.fround(Math.fround(sums[j]! + input[ri + j]!) - input[li + j]!);
      sums[j] = s;
      output[oi + j] = s / count;
    }
  }
  for (let i = 0; i < phase4; i++, li += cols, oi += cols) {
    count--;
    for (let j = 0; j < cols; j++) {
      const s = Math.fround(sums[j]! - input[li + j]!);
      sums[j] = s;
      output[oi + j] = s / count;
    }
  }
}

/** Reusable working memory, grown on demand: hashing a stream of images allocates only when a larger one arrives. */
export interface JaroszScratch {
  a: Float32Array;
  b: Float32Array;
  sums: Float32Array;
}

export function createJaroszScratch(): JaroszScratch {
  return { a: new Float32Array(0), b: new Float32Array(0), sums: new Float32Array(0) };
}

/**
 * Tent-filters `luma` (rows x cols; not modified) with two rows-then-columns
 * box passes and samples the 64x64 grid into `out`.
 *
 * The last column pass runs only over the 64 sampled columns: a column's
 * running sum depends on nothing but that column, so the sampled values are
 * the same as filtering every column and sampling afterwards.
 */
export function jaroszDownsample64(luma: Float32Array, rows: number, cols: number, out: Float32Array, scratch: JaroszScratch): void {
  const n = rows * cols;
  if (scratch.a.length < n) {
    scratch.a = new Float32Array(n);
    scratch.b = new Float32Array(n);
  }
  if (scratch.sums.length < Math.max(cols, 64)) scratch.sums = new Float32Array(Math.max(cols, 64)); // the sampled pass keeps 64 sums
  const { a, b, sums } = scratch;
  const windowAlongRows = jaroszWindowSize(cols, 64);
  const windowAlongCols = jaroszWindowSize(rows, 64);
  boxAlongRows(luma, a, rows, cols, windowAlongRows);
  boxAlongCols(a, b, rows, cols, windowAlongCols, sums);
  boxAlongRows(b, a, rows, cols, windowAlongRows);
  sampledColumnsThenDecimate(a, rows, cols, windowAlongCols, sums, out);
}

const sampledRowIndex = new Int32Array(64);
const sampledColIndex = new Int32Array(64);
const sampledColumns = new Float32Array(64);

/** The last column pass restricted to the 64 sampled columns, writing the 64 sampled rows straight into `out`. */
function sampledColumnsThenDecimate(
  input: Float32Array,
  rows: number,
  cols: number,
  window: number,
  sums: Float32Array,
  out: Float32Array,
): void {
  for (let k = 0; k < 64; k++) {
    sampledRowIndex[k] = Math.trunc(((k + 0.5) * rows) / 64);
    sampledColIndex[k] = Math.trunc(((k + 0.5) * cols) / 64);
  }
  const half = (window + 2) >> 1;
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = rows - window;
  const phase4 = half - 1;
  sums.fill(0, 0, 64);
  let count = 0;
  let ri = 0; // row being added
  let li = 0; // row being subtracted
  let oi = 0; // row being written
  let nextSample = 0; // index into sampledRowIndex of the next row to keep
  const emit = (): void => {
    // Several output cells can sample the same row when rows < 64.
    while (nextSample < 64 && sampledRowIndex[nextSample] === oi) {
      for (let k = 0; k < 64; k++) out[nextSample * 64 + k] = sampledColumns[k]!;
      nextSample++;
    }
    oi++;
  };
  for (let i = 0; i < phase1; i++, ri++) {
    const base = ri * cols;
    for (let k = 0; k < 64; k++) sums[k] = sums[k]! + input[base + sampledColIndex[k]!]!;
    count++;
  }
  for (let i = 0; i < phase2; i++, ri++) {
    const base = ri * cols;
    count++;
    for (let k = 0; k < 64; k++) {
      const s = Math.fround(sums[k]! + input[base + sampledColIndex[k]!]!);
      sums[k] = s;
      sampledColumns[k] = s / count;
    }
    emit();
  }
  for (let i = 0; i < phase3; i++, ri++, li++) {
    const addBase = ri * cols;
    const subBase = li * cols;
    for (let k = 0; k < 64; k++) {
      const c = sampledColIndex[k]!;
      const s = Math.fround(Math.fround(sums[k]! + input[addBase + c]!) - input[subBase + c]!);
      sums[k] = s;
      sampledColumns[k] = s / count;
    }
    emit();
  }
  for (let i = 0; i < phase4; i++, li++) {
    const subBase = li * cols;
    count--;
    for (let k = 0; k < 64; k++) {
      const s = Math.fround(sums[k]! - input[subBase + sampledColIndex[k]!]!);
      sums[k] = s;
      sampledColumns[k] = s / count;
    }
    emit();
  }
}

/** Samples the centre of each of 64x64 cells: out[i][j] = in[floor((i + 0.5) * rows / 64)][floor((j + 0.5) * cols / 64)]. */
export function decimate64(input: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let i = 0; i < 64; i++) {
    const ini = Math.trunc(((i + 0.5) * rows) / 64);
    for (let j = 0; j < 64; j++) {
      const inj = Math.trunc(((j + 0.5) * cols) / 64);
      out[i * 64 + j] = input[ini * cols + inj]!;
    }
  }
}
