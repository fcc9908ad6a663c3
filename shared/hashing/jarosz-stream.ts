/**
 * PDQ's 64x64 downsample (jarosz.ts) as one pass down the image: rows are
 * box-filtered as they are read, the first column pass keeps only the rows
 * its window still needs, the second row pass feeds the second column pass,
 * which keeps only the 64 sampled columns. Memory is a few window-heights of
 * rows instead of two full-size float copies of the image, and it stays in
 * cache: on a 12-megapixel photo this is several times faster than the
 * whole-image passes, with the very same float32 operations in the same
 * order (pdq.test.ts compares the two).
 */
import { boxRows, jaroszWindowSize } from './jarosz.ts';

/**
 * One column box pass over a stream of rows, `lanes` wide, with the
 * reference's four phases. Rows are written into slot(i) and consumed in
 * order by advance(); each output row is returned (in a reused buffer) as
 * soon as its window is complete, and drain() returns the last ones.
 */
class ColumnBox {
  private readonly slots: Float32Array[];
  private readonly sums: Float32Array;
  private readonly out: Float32Array;
  private readonly window: number;
  private readonly rows: number;
  private readonly lead: number; // rows added before the first output (half - 1)
  private next = 0;
  private drained = 0;
  private count = 0;

  constructor(rows: number, lanes: number, window: number, capacity: number) {
    const ring = new Float32Array(capacity * lanes);
    this.slots = Array.from({ length: capacity }, (_, k) => ring.subarray(k * lanes, (k + 1) * lanes));
    this.sums = new Float32Array(lanes);
    this.out = new Float32Array(lanes);
    this.window = window;
    this.rows = rows;
    this.lead = ((window + 2) >> 1) - 1;
  }

  slot(row: number): Float32Array {
    return this.slots[row % this.slots.length]!;
  }

  advance(): Float32Array | undefined {
    const ri = this.next++;
    const add = this.slot(ri);
    const { sums, out } = this;
    const lanes = sums.length;
    if (ri < this.lead) {
      for (let j = 0; j < lanes; j++) sums[j] = sums[j]! + add[j]!;
      this.count++;
      return undefined;
    }
    if (ri < this.window) {
      const count = ++this.count;
      for (let j = 0; j < lanes; j++) {
        const s = Math.fround(sums[j]! + add[j]!);
        sums[j] = s;
        out[j] = s / count;
      }
      return out;
    }
    const sub = this.slot(ri - this.window);
    const count = this.count;
    for (let j = 0; j < lanes; j++) {
      const s = Math.fround(Math.fround(sums[j]! + add[j]!) - sub[j]!);
      sums[j] = s;
      out[j] = s / count;
    }
    return out;
  }

  drain(): Float32Array | undefined {
    if (this.drained >= this.lead) return undefined;
    const sub = this.slot(this.rows - this.window + this.drained++);
    const { sums, out } = this;
    const count = --this.count;
    for (let j = 0; j < sums.length; j++) {
      const s = Math.fround(sums[j]! - sub[j]!);
      sums[j] = s;
      out[j] = s / count;
    }
    return out;
  }
}

/** Tent-filters `luma` (rows x cols, not modified) and samples the 64x64 grid into `out`. */
export function jaroszDownsample64(luma: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const alongRows = jaroszWindowSize(cols, 64);
  const alongCols = jaroszWindowSize(rows, 64);
  const sampledRows = Int32Array.from({ length: 64 }, (_, k) => Math.trunc(((k + 0.5) * rows) / 64));
  const sampledCols = Int32Array.from({ length: 64 }, (_, k) => Math.trunc(((k + 0.5) * cols) / 64));

  // 4 extra slots: rows are filtered four at a time before the column pass consumes them.
  const firstColumns = new ColumnBox(rows, cols, alongCols, alongCols + 4);
  const secondColumns = new ColumnBox(rows, 64, alongCols, alongCols + 1);
  const batch = new Float32Array(8 * cols);
  const pending = Array.from({ length: 4 }, (_, k) => batch.subarray(k * cols, (k + 1) * cols));
  const filtered = Array.from({ length: 4 }, (_, k) => batch.subarray((4 + k) * cols, (5 + k) * cols));
  let pendingRows = 0;
  let secondRowsIn = 0;
  let nextSample = 0;
  let outputRow = 0;

  const emit = (row: Float32Array): void => {
    // Several grid rows sample the same image row when rows < 64.
    while (nextSample < 64 && sampledRows[nextSample] === outputRow) out.set(row, 64 * nextSample++);
    outputRow++;
  };
  const secondPass = (n: number): void => {
    boxRows(pending.slice(0, n), filtered.slice(0, n), alongRows);
    for (let k = 0; k < n; k++) {
      const row = filtered[k]!;
      const slot = secondColumns.slot(secondRowsIn++);
      for (let j = 0; j < 64; j++) slot[j] = row[sampledCols[j]!]!;
      const ready = secondColumns.advance();
      if (ready !== undefined) emit(ready);
    }
  };
  const collect = (ready: Float32Array | undefined): void => {
    if (ready === undefined) return;
    pending[pendingRows++]!.set(ready);
    if (pendingRows === 4) {
      secondPass(4);
      pendingRows = 0;
    }
  };

  for (let r = 0; r < rows; r += 4) {
    const n = Math.min(4, rows - r);
    const ins = Array.from({ length: n }, (_, k) => luma.subarray((r + k) * cols, (r + k + 1) * cols));
    const outs = Array.from({ length: n }, (_, k) => firstColumns.slot(r + k));
    boxRows(ins, outs, alongRows);
    for (let k = 0; k < n; k++) collect(firstColumns.advance());
  }
  for (let ready = firstColumns.drain(); ready !== undefined; ready = firstColumns.drain()) collect(ready);
  secondPass(pendingRows);
  for (let ready = secondColumns.drain(); ready !== undefined; ready = secondColumns.drain()) emit(ready);
}
