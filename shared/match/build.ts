/**
 * Building a frozen segment: rows copied in ascending id order, then for each
 * slot a counting sort of the rows by key prefix into the bucket table and
 * postings. Everything is a generator that yields every few thousand rows, so
 * the same code runs in one go (load, small deltas) or in time slices between
 * queries (background compaction).
 */
import { keyAt } from './kernel-js.ts';
import type { MatchKernel } from './kernel.ts';
import { scratchBytes } from './layout.ts';
import { planSegment, type HashBits, type SegmentPlan } from './plan.ts';
import { Segment } from './segment.ts';

/** Rows to read from: row r has id ids[r] and its hash at words[r * hashWords32 ..]. */
export interface RowSource {
  readonly ids: Uint32Array;
  readonly words: Uint32Array;
  /** Tombstones to skip (bit r & 31 of word r >> 5), or null. */
  readonly dead: Uint32Array | null;
}

/** Output row i comes from source srcOf[i] (0 when srcOf is null), row rowOf[i]. */
export interface RowOrder {
  readonly srcOf: Uint8Array | null;
  readonly rowOf: Uint32Array;
}

const SLICE_ROWS = 1 << 14;
const TOUCH_WORDS = 1 << 18;

export function sourceOfSegment(segment: Segment, snapshotDead: boolean): RowSource {
  const { layout, mem } = segment;
  const rows = segment.rows;
  const dead = new Uint32Array(mem.buffer, layout.dead, Math.ceil(rows / 32));
  return {
    ids: new Uint32Array(mem.buffer, layout.ids, rows),
    words: new Uint32Array(mem.buffer, layout.hashes, (rows * layout.hashBytes) / 4),
    dead: snapshotDead ? dead.slice() : dead,
  };
}

/** Packed input (ids plus hashes back to back) as a source, copying the hashes if they are not 4-byte aligned. */
export function sourceOfPacked(ids: Uint32Array, hashes: Uint8Array): RowSource {
  const aligned = hashes.byteOffset % 4 === 0 ? hashes : hashes.slice();
  return { ids, words: new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4), dead: null };
}

function deadIn(dead: Uint32Array | null, row: number): boolean {
  return dead !== null && (((dead[row >>> 5] ?? 0) >>> (row & 31)) & 1) === 1;
}

/**
 * `rows` of one source sorted by id (stable LSD radix sort, two 16-bit
 * passes); where an id repeats, only its last row is kept.
 */
export function sortRowsById(ids: Uint32Array, rows: Uint32Array): Uint32Array {
  const n = rows.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if ((ids[rows[i - 1] ?? 0] ?? 0) >= (ids[rows[i] ?? 0] ?? 0)) sorted = false;
  if (sorted) return rows;
  let from: Uint32Array = rows;
  let to: Uint32Array = new Uint32Array(n);
  for (const shift of [0, 16]) {
    const count = new Uint32Array(65537);
    for (let i = 0; i < n; i++) {
      const digit = (((ids[from[i] ?? 0] ?? 0) >>> shift) & 0xffff) + 1;
      count[digit] = (count[digit] ?? 0) + 1;
    }
    for (let d = 1; d <= 65536; d++) count[d] = (count[d] ?? 0) + (count[d - 1] ?? 0);
    for (let i = 0; i < n; i++) {
      const row = from[i] ?? 0;
      const digit = ((ids[row] ?? 0) >>> shift) & 0xffff;
      const at = count[digit] ?? 0;
      to[at] = row;
      count[digit] = at + 1;
    }
    [from, to] = [to, from];
  }
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const row = from[i] ?? 0;
    if (i + 1 < n && ids[from[i + 1] ?? 0] === ids[row]) continue;
    from[kept++] = row;
  }
  return kept === n ? from : from.slice(0, kept);
}

/** Live rows of one source in ascending id order (the tail appends in arrival order; frozen segments are sorted). */
export function liveOrder(source: RowSource, rows: number): Uint32Array {
  const live = new Uint32Array(rows);
  let n = 0;
  for (let row = 0; row < rows; row++) if (!deadIn(source.dead, row)) live[n++] = row;
  return sortRowsById(source.ids, live.subarray(0, n));
}

/** k-way merge of sources whose given rows are each in ascending id order (ids are unique across live rows). */
export function* mergeOrder(sources: readonly RowSource[], orders: readonly Uint32Array[]): Generator<void, RowOrder> {
  let total = 0;
  for (const o of orders) total += o.length;
  const srcOf = new Uint8Array(total);
  const rowOf = new Uint32Array(total);
  const heads = orders.map(() => 0);
  for (let i = 0; i < total; i++) {
    let best = -1;
    let bestId = 0;
    for (let s = 0; s < sources.length; s++) {
      const order = orders[s];
      const head = heads[s] ?? 0;
      if (order === undefined || head >= order.length) continue;
      const id = sources[s]?.ids[order[head] ?? 0] ?? 0;
      if (best < 0 || id < bestId) {
        best = s;
        bestId = id;
      }
    }
    srcOf[i] = best;
    rowOf[i] = orders[best]?.[heads[best] ?? 0] ?? 0;
    heads[best] = (heads[best] ?? 0) + 1;
    if ((i & (SLICE_ROWS - 1)) === 0) yield;
  }
  return { srcOf, rowOf };
}

/** Fills a fresh frozen segment with the ordered rows and builds its tables. */
export function* fillSegment(segment: Segment, sources: readonly RowSource[], order: RowOrder): Generator<void, Segment> {
  const { layout, mem } = segment;
  const u32 = mem.u32;
  const words32 = layout.hashBytes / 4;
  const hashes = layout.hashes >>> 2;
  const ids = layout.ids >>> 2;
  const n = segment.rows;
  let i = 0;
  while (i < n) {
    const src = order.srcOf?.[i] ?? 0;
    const source = sources[src];
    if (source === undefined) throw new RangeError('row order names a missing source');
    // Copy runs of consecutive source rows in bulk (a sorted bulk load is one run).
    const first = order.rowOf[i] ?? 0;
    let end = i + 1;
    while (end < n && end - i < SLICE_ROWS && (order.srcOf?.[end] ?? 0) === src && order.rowOf[end] === first + (end - i)) end++;
    const count = end - i;
    u32.set(source.ids.subarray(first, first + count), ids + i);
    u32.set(source.words.subarray(first * words32, (first + count) * words32), hashes + i * words32);
    i = end;
    if (count > 64 || (i & 1023) === 0) yield;
  }
  for (let k = 0; k < layout.plan.slots.length; k++) yield* fillSlot(segment, k);
  return segment;
}

/**
 * Counting sort of the rows by the key prefix of slot k. The table itself
 * serves as the cursor array: counts, prefix sums (bucket starts), scatter
 * (each start advances to its bucket's end), then one shift back.
 */
function* fillSlot(segment: Segment, k: number): Generator<void> {
  const { layout, mem } = segment;
  const slot = layout.plan.slots[k];
  const region = layout.slots[k];
  if (slot === undefined || region === undefined) return;
  const u32 = mem.u32;
  const n = segment.rows;
  const buckets = 2 ** slot.tableBits;
  const table = region.table >>> 2;
  u32.fill(0, table, table + buckets + 1);
  // First writes to fresh pages fault (slow on VMs: ~1.5 us per 4 KiB page here). The scatter
  // below writes all over the postings, so touch them first, a mebibyte per step.
  const postingsAt = region.postings >>> 2;
  for (let from = 0; from < n; from += TOUCH_WORDS) {
    u32.fill(0, postingsAt + from, postingsAt + Math.min(n, from + TOUCH_WORDS));
    yield;
  }
  const wasm = mem.wasm;
  if (wasm !== null) {
    for (let from = 0; from < n; from += SLICE_ROWS * 4) {
      wasm.build_count(k, from, Math.min(n, from + SLICE_ROWS * 4));
      yield;
    }
    wasm.build_prefix(k);
    yield;
    for (let from = 0; from < n; from += SLICE_ROWS * 4) {
      wasm.build_scatter(k, from, Math.min(n, from + SLICE_ROWS * 4));
      yield;
    }
    wasm.build_restore(k);
    return;
  }
  const { start, width, remBits } = slot;
  const postings = region.postings >>> 2;
  const remMask = 2 ** remBits - 1;
  const scale = 2 ** remBits;
  const hashBytes = layout.hashBytes;
  for (let row = 0; row < n; row++) {
    const t = keyAt(u32, layout.hashes + row * hashBytes, start, width) >>> remBits;
    u32[table + t + 1] = (u32[table + t + 1] ?? 0) + 1;
    if ((row & (SLICE_ROWS - 1)) === SLICE_ROWS - 1) yield;
  }
  for (let t = 1; t <= buckets; t++) u32[table + t] = (u32[table + t] ?? 0) + (u32[table + t - 1] ?? 0);
  yield;
  for (let row = 0; row < n; row++) {
    const key = keyAt(u32, layout.hashes + row * hashBytes, start, width);
    const t = key >>> remBits;
    const at = u32[table + t] ?? 0;
    u32[table + t] = at + 1;
    u32[postings + at] = row * scale + (key & remMask);
    if ((row & (SLICE_ROWS - 1)) === SLICE_ROWS - 1) yield;
  }
  for (let t = buckets - 1; t >= 1; t--) u32[table + t] = u32[table + t - 1] ?? 0;
  u32[table] = 0;
}

export interface BuildTarget {
  readonly kernel: MatchKernel;
  readonly bits: HashBits;
  readonly threshold: number;
  readonly maxBytesPerIndicator: number;
  /** Overrides the planner (tests force multi-index layouts on data small enough to scan). */
  readonly planner?: (rows: number) => SegmentPlan;
}

/** Allocates a frozen segment for `rows` rows, planned for its size. */
export function allocateFrozen(target: BuildTarget, rows: number): Segment {
  const plan =
    target.planner?.(rows) ??
    planSegment({
      bits: target.bits,
      rows,
      threshold: target.threshold,
      maxBytesPerIndicator: target.maxBytesPerIndicator,
      fixedBytes: scratchBytes({ bits: target.bits, slots: [{ start: 0, width: 1, tableBits: 0, remBits: 1 }] }, rows),
    });
  return Segment.allocate(target.kernel, plan, rows, false);
}

/** The live rows of an appendable segment (the tail) as a frozen segment sorted by id; null when none is live. */
export function freezeLive(segment: Segment, target: BuildTarget): Segment | null {
  if (segment.live === 0) return null;
  const source = sourceOfSegment(segment, false);
  const order = liveOrder(source, segment.rows);
  return drain(fillSegment(allocateFrozen(target, order.length), [source], { srcOf: null, rowOf: order }));
}

/** Runs a generator to completion (the synchronous path). */
export function drain<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}
