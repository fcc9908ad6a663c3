/**
 * A segment: rows (hash, id) in one memory with their multi-index tables, a
 * tombstone bitmap, and the kernel instance that searches them.
 *
 * Frozen segments are immutable except for tombstones; their ids ascend, so
 * removal finds a row by binary search (no id map costing bytes per
 * indicator). The one appendable segment, the tail, is scanned linearly and
 * keeps a small Map from id to row.
 */
import { jsMihSearch, jsScan } from './kernel-js.ts';
import type { MatchKernel, SegmentMemory } from './kernel.ts';
import { DESC, segmentLayout, writeDescriptor, type SegmentLayout } from './layout.ts';
import { estimateCost, scanCostNs, type SegmentPlan } from './plan.ts';

/** How a search reaches rows: 'auto' asks the cost model per threshold; 'probe' and 'scan' force a path. */
export type Route = 'auto' | 'probe' | 'scan';

export interface SearchCounters {
  probes: number;
  entries: number;
  candidates: number;
}

export class Segment {
  readonly layout: SegmentLayout;
  readonly mem: SegmentMemory;
  /** Tail only: id -> newest row. Frozen segments search their ascending ids instead. */
  readonly idToRow: Map<number, number> | null;
  #rows: number;
  #dead = 0;
  /** Per threshold: 1 when a scan is cheaper than the multi-index probe, 0 when not, undefined until asked. */
  readonly #scanFor: (0 | 1 | undefined)[] = [];

  constructor(layout: SegmentLayout, mem: SegmentMemory, rows: number, appendable: boolean) {
    this.layout = layout;
    this.mem = mem;
    this.#rows = rows;
    this.idToRow = appendable ? new Map() : null;
  }

  /** A fresh, empty segment laid out by `plan` for `capacity` rows. */
  static allocate(kernel: MatchKernel, plan: SegmentPlan, capacity: number, appendable: boolean): Segment {
    const layout = segmentLayout(plan, capacity);
    const mem = kernel.allocate(layout.totalBytes);
    writeDescriptor(mem.i32, layout, appendable ? 0 : capacity);
    return new Segment(layout, mem, appendable ? 0 : capacity, appendable);
  }

  get plan(): SegmentPlan {
    return this.layout.plan;
  }

  get rows(): number {
    return this.#rows;
  }

  get deadRows(): number {
    return this.#dead;
  }

  get live(): number {
    return this.#rows - this.#dead;
  }

  get bytes(): number {
    return this.mem.buffer.byteLength;
  }

  /** Recounts tombstones from the bitmap (after loading an image). */
  recountDead(): void {
    let dead = 0;
    for (let row = 0; row < this.#rows; row++) if (this.isDead(row)) dead++;
    this.#dead = dead;
  }

  idAt(row: number): number {
    return this.mem.u32[(this.layout.ids >>> 2) + row] ?? 0;
  }

  hashAt(row: number): Uint8Array {
    const at = this.layout.hashes + row * this.layout.hashBytes;
    return this.mem.u8.slice(at, at + this.layout.hashBytes);
  }

  isDead(row: number): boolean {
    return (((this.mem.u32[(this.layout.dead >>> 2) + (row >>> 5)] ?? 0) >>> (row & 31)) & 1) === 1;
  }

  kill(row: number): void {
    if (this.isDead(row)) return;
    const word = (this.layout.dead >>> 2) + (row >>> 5);
    this.mem.u32[word] = ((this.mem.u32[word] ?? 0) | (1 << (row & 31))) >>> 0;
    this.#dead++;
  }

  /** The row holding `id` (live or dead), or -1. */
  findRow(id: number): number {
    if (this.idToRow !== null) return this.idToRow.get(id) ?? -1;
    const ids = this.mem.u32;
    const base = this.layout.ids >>> 2;
    let lo = 0;
    let hi = this.#rows - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = ids[base + mid] ?? 0;
      if (value === id) return mid;
      if (value < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * For ids in ascending order, the row of each (live or dead) or -1, into
   * `rows`. Frozen segments gallop from the previous hit, so a batch touches
   * neighbouring cache lines instead of a fresh binary-search path per id.
   */
  findRowsSorted(ids: Uint32Array, rows: Int32Array): void {
    if (this.idToRow !== null) {
      ids.forEach((id, i) => (rows[i] = this.findRow(id)));
      return;
    }
    const u32 = this.mem.u32;
    const base = this.layout.ids >>> 2;
    const n = this.#rows;
    let lo = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] ?? 0;
      // Gallop: find hi with ids[hi] >= id, then binary-search (lo, hi].
      let step = 1;
      let hi = lo;
      while (hi < n && (u32[base + hi] ?? 0) < id) {
        lo = hi;
        hi += step;
        step *= 2;
      }
      hi = Math.min(hi, n - 1);
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((u32[base + mid] ?? 0) < id) lo = mid + 1;
        else hi = mid;
      }
      rows[i] = n > 0 && u32[base + lo] === id ? lo : -1;
    }
  }

  /** True when row `row` holds exactly `hash`. */
  hashEquals(row: number, hash: Uint8Array): boolean {
    const at = this.layout.hashes + row * this.layout.hashBytes;
    const u8 = this.mem.u8;
    for (let i = 0; i < hash.length; i++) if (u8[at + i] !== hash[i]) return false;
    return true;
  }

  /** The live row holding `id`, or -1. */
  findLive(id: number): number {
    const row = this.findRow(id);
    return row >= 0 && !this.isDead(row) ? row : -1;
  }

  get full(): boolean {
    return this.#rows >= this.layout.capacity;
  }

  /** Tail only: appends a row (the caller has tombstoned any older row of `id`). */
  append(id: number, hash: Uint8Array): void {
    const row = this.#rows;
    this.mem.u8.set(hash, this.layout.hashes + row * this.layout.hashBytes);
    this.mem.u32[(this.layout.ids >>> 2) + row] = id;
    this.#rows = row + 1;
    this.mem.i32[DESC.rows >>> 2] = this.#rows;
    this.idToRow?.set(id, row);
  }

  /** True when a linear scan is modelled cheaper than probing at `threshold`. */
  scanPreferred(threshold: number): boolean {
    if (this.plan.slots.length === 0) return true;
    let cached = this.#scanFor[threshold];
    if (cached === undefined) {
      const probe = estimateCost(this.plan, this.#rows, threshold).ns;
      cached = probe > scanCostNs(this.plan.bits, this.#rows) ? 1 : 0;
      this.#scanFor[threshold] = cached;
    }
    return cached === 1;
  }

  /**
   * Searches `variants` query hashes (packed in `queries`) within `threshold`;
   * appends (id, distance | variant << 16) pairs to `sink` and adds the work
   * done to `counters`. `engine: 'js'` forces the JS kernel on this memory.
   */
  search(
    queries: Uint8Array,
    variants: number,
    threshold: number,
    sink: number[],
    counters: SearchCounters,
    engine: 'auto' | 'js' = 'auto',
    route: Route = 'auto',
  ): void {
    if (this.#rows === 0) return;
    const { mem, layout } = this;
    mem.u8.set(queries.subarray(0, variants * layout.hashBytes), layout.query);
    const scan = this.plan.slots.length === 0 || route === 'scan' || (route === 'auto' && this.scanPreferred(threshold));
    let done = false;
    if (mem.wasm !== null && engine === 'auto') {
      const count = scan ? mem.wasm.scan(variants, threshold) : mem.wasm.mih_search(variants, threshold);
      if (count >= 0) {
        const u32 = mem.u32;
        const out = layout.out >>> 2;
        for (let i = 0; i < count; i++) sink.push(u32[out + 2 * i] ?? 0, u32[out + 2 * i + 1] ?? 0);
        done = true;
      }
    }
    // The JS kernel: where WebAssembly is unavailable, when asked, or when the WASM out buffer overflowed.
    if (!done) {
      if (scan) jsScan(mem, variants, threshold, sink);
      else jsMihSearch(mem, variants, threshold, sink);
    }
    const u32 = mem.u32;
    counters.probes += u32[DESC.statProbes >>> 2] ?? 0;
    counters.entries += u32[DESC.statEntries >>> 2] ?? 0;
    counters.candidates += u32[DESC.statCandidates >>> 2] ?? 0;
  }
}
