import type { Engine } from './kernel.ts';
import type { HashBits } from './plan.ts';

export interface HammingIndexOptions {
  /** 256 (PDQ) or 64 (pHash, dHash). */
  readonly bits: HashBits;
  /**
   * The threshold most searches use (default: 31 for 256 bits, 8 for 64, as the
   * hashing registry's defaultThreshold; pass the algorithm's value).
   * Segment layouts are tuned for it; a search with another threshold is
   * still exact, only its cost differs.
   */
  readonly threshold?: number;
  /** Memory budget per indicator, all in, for a segment's layout (default 96). */
  readonly maxBytesPerIndicator?: number;
  /** 'auto' (default): WebAssembly where it compiles, else JS. 'wasm' requires it; 'js' never uses it. */
  readonly engine?: 'auto' | Engine;
  /** Compact in the background after changes (default true). */
  readonly autoCompact?: boolean;
  /** Runs one slice of background work later (default: setImmediate). Tests inject their own. */
  readonly schedule?: (work: () => void) => void;
  /** Longest slice of background work in ms (default 8): the most a query ever waits behind compaction. */
  readonly sliceMs?: number;
  /** Single adds collect in a scanned tail of this many rows before they are frozen (default 4096). */
  readonly tailCapacity?: number;
}

/** One indicator within the threshold. */
export interface Match {
  readonly id: number;
  readonly distance: number;
}

/** One indicator within the threshold of at least one of the query hashes given to searchMany. */
export interface VariantMatch extends Match {
  /** Index (in the hashes given) of the closest matching hash; the lowest index on ties. */
  readonly variant: number;
  /** Bit i set: hashes[i] matched too. */
  readonly variants: number;
}

export interface IndicatorHash {
  readonly id: number;
  readonly hash: Uint8Array;
}

/** Many indicators at once: ids[i] has the hash at hashes[i * bits / 8 ..]. */
export interface PackedHashes {
  readonly ids: Uint32Array;
  readonly hashes: Uint8Array;
}

/** A change applied atomically: removals first, then additions (an id in both ends up present). */
export interface IndexDelta {
  readonly removes?: Iterable<number>;
  readonly adds?: Iterable<IndicatorHash> | PackedHashes;
}

export interface DeltaResult {
  /** Ids that were not present before. */
  readonly added: number;
  /** Ids that were present and got a new row (an add of a present id replaces its hash). */
  readonly replaced: number;
  readonly removed: number;
  /** Removals of ids that were not present. */
  readonly missing: number;
}

export interface SegmentStats {
  readonly rows: number;
  readonly live: number;
  readonly bytes: number;
  readonly layout: string;
}

export interface SearchTotals {
  readonly queries: number;
  /** Bucket-table reads. */
  readonly probes: number;
  /** Postings scanned. */
  readonly entries: number;
  /** Full-hash comparisons (a linear scan counts every row). */
  readonly candidates: number;
}

export interface IndexStats {
  readonly bits: HashBits;
  readonly engine: Engine;
  readonly size: number;
  readonly tombstones: number;
  readonly bytes: number;
  readonly segments: readonly SegmentStats[];
  readonly tail: SegmentStats;
  readonly searches: SearchTotals;
  readonly compacting: boolean;
  /** Time spent compiling the WebAssembly kernel at start-up (0 for JS). */
  readonly kernelCompileMs: number;
}

export interface CompactOptions {
  /** Merge everything into as few segments as possible and drop every tombstone (default: do what the policy asks). */
  readonly full?: boolean;
}

/**
 * An exact Hamming range index over indicator hashes (see docs/MATCHING.md).
 * All methods are synchronous except compaction; a query never observes part
 * of a change.
 */
export interface HammingIndex {
  readonly bits: HashBits;
  readonly engine: Engine;
  /** Threshold used when a search gives none. */
  readonly threshold: number;
  /** Live indicators. */
  readonly size: number;
  /** Adds an indicator; an id already present gets the new hash (upsert). */
  add(id: number, hash: Uint8Array): void;
  /** Removes an indicator; false when it was not present. */
  remove(id: number): boolean;
  has(id: number): boolean;
  /** A copy of the indicator's hash, or undefined. */
  get(id: number): Uint8Array | undefined;
  /** Applies removals then additions, all or nothing (input is validated before anything changes). */
  applyDelta(delta: IndexDelta): DeltaResult;
  /** Every indicator within `threshold` of `hash`, by distance then id. */
  search(hash: Uint8Array, threshold?: number): Match[];
  /** Every indicator within `threshold` of any of `hashes` (e.g. the 8 dihedral PDQ variants), by distance then id. */
  searchMany(hashes: readonly Uint8Array[], threshold?: number): VariantMatch[];
  /** Bytes held: segment memories (hashes, ids, tombstones, tables, postings, scratch), tail and any compaction in progress. */
  bytesUsed(): number;
  stats(): IndexStats;
  /** Runs compaction in time slices (never longer than sliceMs each) and resolves when it is done. */
  compact(options?: CompactOptions): Promise<void>;
  /** The compact binary form: chunks to write in order (views, not copies; write them before changing the index). */
  serialize(): Uint8Array[];
  /** Writes serialize() to `path` (through a temporary file and a rename). */
  save(path: string): void;
  /** Stops background work; later calls throw MATCH_CLOSED. */
  close(): void;
}
