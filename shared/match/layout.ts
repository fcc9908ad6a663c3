/**
 * The byte layout of one segment, shared by the WebAssembly kernel
 * (wasm/match.wat reads the descriptor at address 0) and the JS kernel (which
 * reads the same bytes through typed arrays). All fields little-endian.
 *
 *   descriptor   DESC_BYTES: i32 fields at the DESC offsets below
 *   slot records SLOT_RECORD_BYTES each: start, width, tableBits, remBits, tablePtr, postingsPtr
 *   query        up to MAX_VARIANTS_PER_CALL hashes
 *   probes       probe buffer: (first posting address, end address, k | rr << 8 | remBits << 16, key remainder)
 *   candidates   candidate buffer: (row, slot)
 *   out          results: (id, distance | variant << 16)
 *   --- the image: what serialize() writes and load() reads back ---
 *   hashes       rows x hashBytes, 64-byte aligned so that no 256-bit row straddles a cache line
 *   ids          rows x u32, ascending in frozen segments (removal by binary search)
 *   dead         tombstone bitmap, bit (row & 31) of word (row >> 5)
 *   per slot     bucket table (2^tableBits + 1 u32 offsets), postings (rows x u32: row << remBits | remainder)
 */
import { hashBytesOf, type SegmentPlan } from './plan.ts';

export const DESC = {
  rows: 0,
  words: 4,
  hashes: 8,
  ids: 12,
  dead: 16,
  slotCount: 20,
  slots: 24,
  query: 28,
  probes: 32,
  probeCap: 36,
  cands: 40,
  candCap: 44,
  out: 48,
  outCap: 52,
  outCount: 56,
  overflow: 60,
  statProbes: 64,
  statEntries: 68,
  statCandidates: 72,
} as const;

export const DESC_BYTES = 128;
export const SLOT_RECORD_BYTES = 32;
export const MAX_VARIANTS_PER_CALL = 8;
const PROBE_RECORD_BYTES = 16;
const CAND_RECORD_BYTES = 8;
const OUT_RECORD_BYTES = 8;
const PROBE_CAP = 2048;
const CAND_CAP = 4096;
const WASM_PAGE = 65536;

export interface SlotRegion {
  readonly table: number;
  readonly postings: number;
}

export interface SegmentLayout {
  readonly plan: SegmentPlan;
  /** Rows the segment can hold (a frozen segment: exactly its rows). */
  readonly capacity: number;
  readonly hashBytes: number;
  readonly slotRecords: number;
  readonly query: number;
  readonly probes: number;
  readonly probeCap: number;
  readonly cands: number;
  readonly candCap: number;
  readonly out: number;
  readonly outCap: number;
  readonly hashes: number;
  readonly ids: number;
  readonly dead: number;
  readonly slots: readonly SlotRegion[];
  /** Start and end of the persisted image (hashes .. last postings). */
  readonly imageStart: number;
  readonly imageEnd: number;
  /** Bytes to allocate, rounded up to whole WebAssembly pages. */
  readonly totalBytes: number;
}

const align = (x: number, to: number): number => Math.ceil(x / to) * to;

/** Bytes a segment needs besides its image (descriptor, query, probe, candidate and out buffers). */
export function scratchBytes(plan: SegmentPlan, capacity: number): number {
  const layout = segmentLayout(plan, capacity);
  return layout.imageStart + (layout.totalBytes - layout.imageEnd);
}

export function segmentLayout(plan: SegmentPlan, capacity: number): SegmentLayout {
  const hashBytes = hashBytesOf(plan.bits);
  const m = plan.slots.length;
  let at = DESC_BYTES;
  const slotRecords = at;
  at = align(at + m * SLOT_RECORD_BYTES, 64);
  const query = at;
  // 64 bytes of slack: the kernel reads keys with unaligned 8-byte loads that may run past a hash.
  at = align(at + MAX_VARIANTS_PER_CALL * hashBytes + 64, 64);
  const probeCap = m === 0 ? 0 : PROBE_CAP;
  const candCap = m === 0 ? 0 : CAND_CAP;
  const probes = at;
  at = align(at + probeCap * PROBE_RECORD_BYTES, 64);
  const cands = at;
  at = align(at + candCap * CAND_RECORD_BYTES, 64);
  const outCap = Math.min(16384, Math.max(256, capacity));
  const out = at;
  at = align(at + outCap * OUT_RECORD_BYTES, 64);
  const hashes = at;
  const imageStart = hashes;
  at = align(at + capacity * hashBytes + 64, 64);
  const ids = at;
  at = align(at + capacity * 4, 64);
  const dead = at;
  at = align(at + Math.ceil(capacity / 32) * 4, 64);
  const slots: SlotRegion[] = [];
  for (const s of plan.slots) {
    const table = at;
    at = align(at + (2 ** s.tableBits + 1) * 4, 64);
    const postings = at;
    at = align(at + capacity * 4, 64);
    slots.push({ table, postings });
  }
  const imageEnd = at;
  return {
    plan,
    capacity,
    hashBytes,
    slotRecords,
    query,
    probes,
    probeCap,
    cands,
    candCap,
    out,
    outCap,
    hashes,
    ids,
    dead,
    slots,
    imageStart,
    imageEnd,
    totalBytes: align(imageEnd + 64, WASM_PAGE),
  };
}

/** Writes the descriptor and slot records of `layout` into a fresh memory. */
export function writeDescriptor(i32: Int32Array, layout: SegmentLayout, rows: number): void {
  const set = (offset: number, value: number): void => {
    i32[offset >> 2] = value;
  };
  set(DESC.rows, rows);
  set(DESC.words, layout.hashBytes / 8);
  set(DESC.hashes, layout.hashes);
  set(DESC.ids, layout.ids);
  set(DESC.dead, layout.dead);
  set(DESC.slotCount, layout.plan.slots.length);
  set(DESC.slots, layout.slotRecords);
  set(DESC.query, layout.query);
  set(DESC.probes, layout.probes);
  set(DESC.probeCap, layout.probeCap);
  set(DESC.cands, layout.cands);
  set(DESC.candCap, layout.candCap);
  set(DESC.out, layout.out);
  set(DESC.outCap, layout.outCap);
  layout.plan.slots.forEach((s, k) => {
    const rec = layout.slotRecords + k * SLOT_RECORD_BYTES;
    const region = layout.slots[k];
    if (region === undefined) return;
    set(rec, s.start);
    set(rec + 4, s.width);
    set(rec + 8, s.tableBits);
    set(rec + 12, s.remBits);
    set(rec + 16, region.table);
    set(rec + 20, region.postings);
  });
}
