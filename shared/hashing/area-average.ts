/**
 * Exact area averaging of a luma image onto a small grid: output cell (r, c)
 * is the mean of the source over the rectangle it covers, rows
 * [r * H / rows, (r + 1) * H / rows) and columns [c * W / cols, (c + 1) * W / cols),
 * each source pixel weighted by the fraction of it inside. pHash and dHash
 * start from this (docs/HASHING.md).
 *
 * Weights are kept as integers: measured in units of 1/cols of a source
 * pixel, pixel x spans [x * cols, (x + 1) * cols) and cell c spans
 * [c * W, (c + 1) * W), so every overlap is a whole number and each cell's
 * weights sum to W. Sums run in float64, source rows top to bottom; for
 * 8-bit luma they are exact, so equal regions average to equal values.
 */
import type { LumaImage } from './luma.ts';

/** Returns rows x cols means, row-major, as float64. */
export function areaAverage(luma: LumaImage, rows: number, cols: number): Float64Array {
  const { width, height, data } = luma;
  if (width < 1 || height < 1) throw new RangeError('cannot average an empty image');
  const alongX = overlaps(width, cols);
  const alongY = overlaps(height, rows);
  const across = new Float64Array(height * cols); // each source row reduced to `cols` weighted sums
  for (let y = 0; y < height; y++) {
    const base = y * width;
    const out = y * cols;
    for (let x = 0; x < width; x++) {
      const v = data[base + x]!;
      const first = alongX.firstCell[x]!;
      for (let k = alongX.offset[x]!, end = alongX.offset[x + 1]!, c = out + first; k < end; k++, c++) {
        across[c]! += alongX.weight[k]! * v;
      }
    }
  }
  const grid = new Float64Array(rows * cols);
  for (let y = 0; y < height; y++) {
    const first = alongY.firstCell[y]!;
    for (let k = alongY.offset[y]!, end = alongY.offset[y + 1]!, r = first; k < end; k++, r++) {
      const w = alongY.weight[k]!;
      for (let c = 0; c < cols; c++) grid[r * cols + c]! += w * across[y * cols + c]!;
    }
  }
  // Divide (not multiply by a rounded reciprocal): a constant image then averages to exactly its value.
  const area = width * height;
  for (let i = 0; i < grid.length; i++) grid[i]! /= area;
  return grid;
}

/** For each of n source pixels, the consecutive cells it overlaps (first cell, then weights at offset[x] .. offset[x + 1] - 1). */
function overlaps(n: number, cells: number): { firstCell: Int32Array; offset: Int32Array; weight: Float64Array } {
  const firstCell = new Int32Array(n);
  const offset = new Int32Array(n + 1);
  const weights: number[] = [];
  for (let x = 0; x < n; x++) {
    const start = x * cells; // pixel x spans [start, start + cells); cell c spans [c * n, (c + 1) * n)
    const end = start + cells;
    const first = Math.floor(start / n);
    const last = Math.min(cells - 1, Math.floor((end - 1) / n));
    firstCell[x] = first;
    offset[x] = weights.length;
    for (let c = first; c <= last; c++) weights.push(Math.min(end, (c + 1) * n) - Math.max(start, c * n));
  }
  offset[n] = weights.length;
  return { firstCell, offset, weight: Float64Array.from(weights) };
}
