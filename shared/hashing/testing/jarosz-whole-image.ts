/**
 * PDQ's downscaler as whole-image passes, the shape of the reference's
 * downscaling.cpp: the tests hold jarosz-stream.ts, which runs the same
 * arithmetic row by row, to these.
 */
import { boxRows } from '../jarosz.ts';

/**
 * Box-filters every row of `input` (rows x cols, row-major) into `output`.
 * The window is placed as the reference places it: `half = (w + 2) >> 1`
 * samples at and after i, w - half before, clipped at the ends, and the sum
 * divided by the number of samples actually in it.
 */
export function boxAlongRows(input: Float32Array, output: Float32Array, rows: number, cols: number, window: number): void {
  for (let r = 0; r < rows; r += 4) {
    const n = Math.min(4, rows - r);
    const ins = Array.from({ length: n }, (_, k) => input.subarray((r + k) * cols, (r + k + 1) * cols));
    const outs = Array.from({ length: n }, (_, k) => output.subarray((r + k) * cols, (r + k + 1) * cols));
    boxRows(ins, outs, window);
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
