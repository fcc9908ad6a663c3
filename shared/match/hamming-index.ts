/**
 * The matching index: frozen multi-index segments plus a small scanned tail,
 * tombstones for removals, and size-tiered compaction in time slices.
 *
 * Consistency: every change (add, remove, applyDelta, a compaction swap) is
 * synchronous, so a query, which is synchronous too, sees all of a change or
 * none of it. Compaction builds its segment between queries in slices of at
 * most `sliceMs` and swaps it in at once, re-applying the removals that
 * happened to its sources while it ran.
 */
import { allocateFrozen, drain, fillSegment, freezeLive, sortRowsById, sourceOfPacked } from './build.ts';
import { Compactor, MAX_SEGMENT_ROWS, type CompactionHost } from './compaction.ts';
import { resolveConfig, type IndexConfig } from './config.ts';
import { MatchError } from './errors.ts';
import { jsKernel, type Engine } from './kernel.ts';
import { MAX_VARIANTS_PER_CALL } from './layout.ts';
import { encodeIndex, decodeIndex, writeChunks } from './file.ts';
import { describePlan, type HashBits } from './plan.ts';
import { Segment, type SearchCounters } from './segment.ts';
import type {
  CompactOptions,
  DeltaResult,
  HammingIndex,
  HammingIndexOptions,
  IndexDelta,
  IndexStats,
  Match,
  SegmentStats,
  VariantMatch,
} from './types.ts';
import { checkHash, checkId, checkThreshold, packAdds, packRemoves } from './validate.ts';

/** Adds up to this many go to the tail; larger batches become a segment of their own. */
const TAIL_BATCH = 256;

function byDistanceThenId(a: Match, b: Match): number {
  return a.distance - b.distance || a.id - b.id;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Creates an empty index (compiling the WebAssembly kernel once per process). */
export async function createHammingIndex(options: HammingIndexOptions): Promise<HammingIndex> {
  return new SegmentedIndex(await resolveConfig(options), []);
}

/**
 * Loads an index written by save() or serialize(). Bits, threshold and memory
 * budget come from the file; `options` chooses the engine and background
 * behaviour.
 */
export async function loadHammingIndex(source: string | Uint8Array, options: Omit<HammingIndexOptions, 'bits' | 'threshold' | 'maxBytesPerIndicator'> = {}): Promise<HammingIndex> {
  // The kernel does not depend on the hash size; bits, threshold and budget come from the file.
  const { kernel } = await resolveConfig({ ...options, bits: 256 });
  const { header, segments } = decodeIndex(source, kernel);
  return new SegmentedIndex(await resolveConfig({ ...options, ...header, engine: kernel.engine }), segments);
}

export class SegmentedIndex implements HammingIndex {
  readonly #config: IndexConfig;
  #segments: Segment[];
  /** Allocated on the first single add (an index loaded or bulk-built never needs one). */
  #tail: Segment | null = null;
  readonly #compactor: Compactor;
  #closed = false;
  readonly #sink: number[] = [];
  readonly #counters: SearchCounters = { probes: 0, entries: 0, candidates: 0 };
  #queries = 0;

  constructor(config: IndexConfig, segments: Segment[]) {
    this.#config = config;
    this.#segments = segments;
    const host: CompactionHost = {
      frozen: () => this.#segments,
      replace: (sources, merged) => {
        this.#segments = this.#segments.filter((s) => !sources.includes(s));
        if (merged !== null) this.#segments.push(merged);
      },
    };
    this.#compactor = new Compactor(host, config, config.schedule, config.sliceMs);
  }

  get bits(): HashBits {
    return this.#config.bits;
  }

  get engine(): Engine {
    return this.#config.kernel.engine;
  }

  get threshold(): number {
    return this.#config.threshold;
  }

  get size(): number {
    let live = this.#tail?.live ?? 0;
    for (const s of this.#segments) live += s.live;
    return live;
  }

  /** Frozen segments then the tail (for serialization and tests). */
  get segments(): readonly Segment[] {
    return this.#segments;
  }

  get config(): IndexConfig {
    return this.#config;
  }

  #newTail(): Segment {
    return Segment.allocate(this.#config.kernel, { bits: this.#config.bits, slots: [] }, this.#config.tailCapacity, true);
  }

  #open(): void {
    if (this.#closed) throw new MatchError('MATCH_CLOSED', 'the index is closed');
  }

  #locate(id: number): { segment: Segment; row: number } | null {
    const tail = this.#tail;
    const inTail = tail === null ? -1 : tail.findLive(id);
    if (tail !== null && inTail >= 0) return { segment: tail, row: inTail };
    for (let i = this.#segments.length - 1; i >= 0; i--) {
      const segment = this.#segments[i];
      if (segment === undefined) continue;
      const row = segment.findLive(id);
      if (row >= 0) return { segment, row };
    }
    return null;
  }

  #kill(segment: Segment, row: number): void {
    segment.kill(row);
    this.#compactor.removed(segment, segment.idAt(row));
  }

  add(id: number, hash: Uint8Array): void {
    this.#open();
    checkId(id);
    checkHash(this.bits, hash);
    const existing = this.#locate(id);
    if (existing !== null) {
      if (existing.segment.hashEquals(existing.row, hash)) return;
      this.#kill(existing.segment, existing.row);
    }
    this.#append(id, hash);
    this.#afterChange();
  }

  #append(id: number, hash: Uint8Array): void {
    let tail = this.#tail;
    if (tail === null || tail.full) {
      this.#freezeTail();
      tail = this.#newTail();
      this.#tail = tail;
    }
    tail.append(id, hash);
  }

  /** Turns the tail's live rows into a frozen segment (a few thousand rows: well under a millisecond). */
  #freezeTail(): void {
    const tail = this.#tail;
    this.#tail = null;
    const frozen = tail === null ? null : freezeLive(tail, this.#config);
    if (frozen !== null) this.#segments.push(frozen);
  }

  remove(id: number): boolean {
    this.#open();
    checkId(id);
    const existing = this.#locate(id);
    if (existing === null) return false;
    this.#kill(existing.segment, existing.row);
    this.#afterChange();
    return true;
  }

  has(id: number): boolean {
    this.#open();
    return this.#locate(checkId(id)) !== null;
  }

  get(id: number): Uint8Array | undefined {
    this.#open();
    const existing = this.#locate(checkId(id));
    return existing === null ? undefined : existing.segment.hashAt(existing.row);
  }

  /** Live rows of many ids at once (index i: ids[i], ascending), newest segment first. */
  #locateSorted(ids: Uint32Array): ({ segment: Segment; row: number } | null)[] {
    const found: ({ segment: Segment; row: number } | null)[] = new Array<null>(ids.length).fill(null);
    const rows = new Int32Array(ids.length);
    const segments = this.#tail === null ? [...this.#segments] : [...this.#segments, this.#tail];
    for (let s = segments.length - 1; s >= 0; s--) {
      const segment = segments[s];
      if (segment === undefined) continue;
      segment.findRowsSorted(ids, rows);
      rows.forEach((row, i) => {
        if (row >= 0 && found[i] === null && !segment.isDead(row)) found[i] = { segment, row };
      });
    }
    return found;
  }

  applyDelta(delta: IndexDelta): DeltaResult {
    this.#open();
    const removes = packRemoves(delta.removes);
    const adds = packAdds(this.bits, delta.adds);
    // Everything is validated; from here on nothing throws on caller input.
    const removeIds = Uint32Array.from(new Set(removes)).sort();
    let removed = 0;
    for (const hit of this.#locateSorted(removeIds)) {
      if (hit === null) continue;
      this.#kill(hit.segment, hit.row);
      removed++;
    }
    const hashBytes = this.bits / 8;
    const all = new Uint32Array(adds.ids.length);
    for (let i = 0; i < all.length; i++) all[i] = i;
    // Ascending ids, the last of any repeated id kept.
    const ordered = sortRowsById(adds.ids, all);
    const orderedIds = new Uint32Array(ordered.length);
    ordered.forEach((row, i) => (orderedIds[i] = adds.ids[row] ?? 0));
    const existing = this.size === 0 ? [] : this.#locateSorted(orderedIds);
    const fresh = new Uint32Array(ordered.length);
    let freshCount = 0;
    let added = 0;
    let replaced = 0;
    ordered.forEach((row, i) => {
      const hit = existing[i] ?? null;
      if (hit !== null) {
        if (hit.segment.hashEquals(hit.row, adds.hashes.subarray(row * hashBytes, (row + 1) * hashBytes))) return;
        this.#kill(hit.segment, hit.row);
        replaced++;
      } else added++;
      fresh[freshCount++] = row;
    });
    if (freshCount <= TAIL_BATCH) {
      for (const row of fresh.subarray(0, freshCount)) this.#append(adds.ids[row] ?? 0, adds.hashes.subarray(row * hashBytes, (row + 1) * hashBytes));
    } else {
      const source = sourceOfPacked(adds.ids, adds.hashes);
      for (let from = 0; from < freshCount; from += MAX_SEGMENT_ROWS) {
        const rowOf = fresh.subarray(from, Math.min(freshCount, from + MAX_SEGMENT_ROWS));
        const segment = allocateFrozen(this.#config, rowOf.length);
        this.#segments.push(drain(fillSegment(segment, [source], { srcOf: null, rowOf })));
      }
    }
    this.#afterChange();
    return { added, replaced, removed, missing: removes.length - removed };
  }

  search(hash: Uint8Array, threshold: number = this.threshold): Match[] {
    this.#open();
    checkHash(this.bits, hash);
    const limit = checkThreshold(this.bits, threshold);
    const sink = this.#run(hash, 1, limit);
    const out: Match[] = [];
    for (let i = 0; i < sink.length; i += 2) out.push({ id: sink[i] ?? 0, distance: (sink[i + 1] ?? 0) & 0xffff });
    return out.sort(byDistanceThenId);
  }

  searchMany(hashes: readonly Uint8Array[], threshold: number = this.threshold): VariantMatch[] {
    this.#open();
    if (!Array.isArray(hashes) || hashes.length === 0 || hashes.length > 32) {
      throw new MatchError('MATCH_BAD_VARIANTS', 'searchMany takes from 1 to 32 hashes');
    }
    hashes.forEach((h) => checkHash(this.bits, h));
    const limit = checkThreshold(this.bits, threshold);
    // Identical variants (symmetric images) are searched once.
    const unique: Uint8Array[] = [];
    const owners: number[] = [];
    hashes.forEach((h, i) => {
      const u = unique.findIndex((x) => sameBytes(x, h));
      if (u >= 0) owners[u] = (owners[u] ?? 0) | (1 << i);
      else {
        unique.push(h);
        owners.push(1 << i);
      }
    });
    const hashBytes = this.bits / 8;
    const best = new Map<number, { distance: number; variant: number; variants: number }>();
    for (let from = 0; from < unique.length; from += MAX_VARIANTS_PER_CALL) {
      const chunk = unique.slice(from, from + MAX_VARIANTS_PER_CALL);
      const packed = new Uint8Array(chunk.length * hashBytes);
      chunk.forEach((h, i) => packed.set(h, i * hashBytes));
      const sink = this.#run(packed, chunk.length, limit);
      for (let i = 0; i < sink.length; i += 2) {
        const id = sink[i] ?? 0;
        const distance = (sink[i + 1] ?? 0) & 0xffff;
        const mask = owners[from + ((sink[i + 1] ?? 0) >>> 16)] ?? 0;
        const variant = 31 - Math.clz32(mask & -mask);
        const seen = best.get(id);
        if (seen === undefined) best.set(id, { distance, variant, variants: mask });
        else {
          seen.variants = (seen.variants | mask) >>> 0;
          if (distance < seen.distance || (distance === seen.distance && variant < seen.variant)) {
            seen.distance = distance;
            seen.variant = variant;
          }
        }
      }
    }
    const out: VariantMatch[] = [];
    for (const [id, m] of best) out.push({ id, distance: m.distance, variant: m.variant, variants: m.variants >>> 0 });
    return out.sort(byDistanceThenId);
  }

  /** Searches every segment and the tail; the returned pairs (id, distance | variant << 16) are valid until the next search. */
  #run(queries: Uint8Array, variants: number, threshold: number): number[] {
    const sink = this.#sink;
    sink.length = 0;
    const { kernelPath = 'auto', route = 'auto' } = this.#config;
    for (const segment of this.#segments) segment.search(queries, variants, threshold, sink, this.#counters, kernelPath, route);
    this.#tail?.search(queries, variants, threshold, sink, this.#counters, kernelPath, route);
    this.#queries += variants;
    return sink;
  }

  bytesUsed(): number {
    let bytes = this.#tail?.bytes ?? 0;
    for (const s of this.#segments) bytes += s.bytes;
    return bytes;
  }

  stats(): IndexStats {
    const describe = (s: Segment): SegmentStats => ({ rows: s.rows, live: s.live, bytes: s.bytes, layout: describePlan(s.plan, this.threshold) });
    let tombstones = this.#tail?.deadRows ?? 0;
    for (const s of this.#segments) tombstones += s.deadRows;
    return {
      bits: this.bits,
      engine: this.engine,
      size: this.size,
      tombstones,
      bytes: this.bytesUsed(),
      segments: this.#segments.map(describe),
      tail: this.#tail === null ? { rows: 0, live: 0, bytes: 0, layout: 'none' } : describe(this.#tail),
      searches: { queries: this.#queries, ...this.#counters },
      compacting: this.#compactor.running,
      kernelCompileMs: this.#config.kernel.compileMs,
    };
  }

  #afterChange(): void {
    if (this.#config.autoCompact) this.#compactor.poke();
  }

  compact(options: CompactOptions = {}): Promise<void> {
    this.#open();
    if (options.full === true) this.#freezeTail();
    return this.#compactor.run(options.full === true);
  }

  serialize(): Uint8Array[] {
    this.#open();
    // The tail goes out as a frozen segment (plain JS memory: the image bytes are the same); the index is unchanged.
    const tail = this.#tail === null ? null : freezeLive(this.#tail, { ...this.#config, kernel: jsKernel });
    const { bits, threshold, maxBytesPerIndicator } = this.#config;
    return encodeIndex({ bits, threshold, maxBytesPerIndicator }, tail === null ? this.#segments : [...this.#segments, tail]);
  }

  save(path: string): void {
    writeChunks(path, this.serialize());
  }

  close(): void {
    this.#closed = true;
    this.#compactor.stop();
  }
}
