/**
 * The plain-JS kernel: the algorithm of wasm/match.wat over the same bytes,
 * with popcount by bit tricks on 32-bit words. It reports the same results
 * (as (id, distance | variant << 16) pairs) and the same counters.
 *
 * Keys are read from 32-bit little-endian words: bit i of a hash is bit
 * (i & 31) of word (i >> 5), the numbering the WASM kernel gets from its
 * unaligned i64 loads.
 */
import { DESC, SLOT_RECORD_BYTES } from './layout.ts';
import type { SegmentMemory } from './kernel.ts';
import { popcount32 } from './popcount.ts';

export function keyAt(u32: Uint32Array, base: number, start: number, width: number): number {
  const word = (base >>> 2) + (start >>> 5);
  const shift = start & 31;
  let bits = (u32[word] ?? 0) >>> shift;
  if (shift + width > 32) bits |= (u32[word + 1] ?? 0) << (32 - shift);
  return width >= 32 ? bits >>> 0 : (bits & (2 ** width - 1)) >>> 0;
}

function distanceAt(u32: Uint32Array, a: number, b: number, words32: number): number {
  let d = 0;
  for (let i = 0; i < words32; i++) d += popcount32((u32[a + i] ?? 0) ^ (u32[b + i] ?? 0));
  return d;
}

function isDead(u32: Uint32Array, dead: number, row: number): boolean {
  return (((u32[(dead >>> 2) + (row >>> 5)] ?? 0) >>> (row & 31)) & 1) === 1;
}

function radiusOf(k: number, m: number, threshold: number): number {
  const r = Math.floor(threshold / m);
  return k <= threshold % m ? r : r - 1;
}

/** Multi-index search; appends (id, distance | variant << 16) pairs to `sink`. Same contract as mih_search. */
export function jsMihSearch(mem: SegmentMemory, variants: number, threshold: number, sink: number[]): void {
  const { u32 } = mem;
  const field = (offset: number): number => u32[offset >>> 2] ?? 0;
  const words32 = field(DESC.words) * 2;
  const hashBytes = words32 * 4;
  const hashes = field(DESC.hashes);
  const ids = field(DESC.ids);
  const dead = field(DESC.dead);
  const m = field(DESC.slotCount);
  const records = field(DESC.slots);
  const slot = (k: number, i: number): number => u32[((records + k * SLOT_RECORD_BYTES) >>> 2) + i] ?? 0;
  let probes = 0;
  let entries = 0;
  let candidates = 0;
  for (let v = 0; v < variants; v++) {
    const q = field(DESC.query) + v * hashBytes;
    for (let k = 0; k < m; k++) {
      const rho = radiusOf(k, m, threshold);
      if (rho < 0) continue;
      const width = slot(k, 1);
      const tableBits = slot(k, 2);
      const remBits = slot(k, 3);
      const table = slot(k, 4) >>> 2;
      const postings = slot(k, 5) >>> 2;
      const qk = keyAt(u32, q, slot(k, 0), width);
      const qt = qk >>> remBits;
      const remMask = 2 ** remBits - 1;
      const qr = qk & remMask;
      const limit = 2 ** tableBits;
      const maxWeight = Math.min(rho, tableBits);
      for (let w = 0; w <= maxWeight; w++) {
        const remRadius = rho - w;
        // c runs over the masks of w bits among tableBits: the prefixes w bits from the query's.
        let c = 2 ** w - 1;
        for (;;) {
          const t = (qt ^ c) >>> 0;
          const lo = u32[table + t] ?? 0;
          const hi = u32[table + t + 1] ?? 0;
          probes++;
          entries += hi - lo;
          for (let i = lo; i < hi; i++) {
            const post = u32[postings + i] ?? 0;
            if (popcount32((post ^ qr) & remMask) > remRadius) continue;
            candidates++;
            const row = post >>> remBits;
            const rowAt = (hashes + row * hashBytes) >>> 2;
            const d = distanceAt(u32, rowAt, q >>> 2, words32);
            if (d > threshold || isDead(u32, dead, row)) continue;
            // A row reachable through an earlier slot is reported there, so each match appears once.
            if (!firstSlot(u32, records, m, threshold, rowAt * 4, q, k)) continue;
            sink.push(u32[(ids >>> 2) + row] ?? 0, d | (v << 16));
          }
          if (w === 0) break;
          // Gosper's hack: the next larger integer with the same number of set bits.
          const low = c & -c;
          const sum = c + low;
          c = sum | (((sum ^ c) >>> 2) >>> (31 - Math.clz32(low)));
          if (c >= limit) break;
        }
      }
    }
  }
  u32[DESC.statProbes >>> 2] = probes;
  u32[DESC.statEntries >>> 2] = entries;
  u32[DESC.statCandidates >>> 2] = candidates;
}

function firstSlot(u32: Uint32Array, records: number, m: number, threshold: number, rowByte: number, q: number, k: number): boolean {
  for (let j = 0; j < k; j++) {
    const rho = radiusOf(j, m, threshold);
    if (rho < 0) continue;
    const start = u32[(records + j * SLOT_RECORD_BYTES) >>> 2] ?? 0;
    const width = u32[((records + j * SLOT_RECORD_BYTES) >>> 2) + 1] ?? 0;
    if (popcount32(keyAt(u32, rowByte, start, width) ^ keyAt(u32, q, start, width)) <= rho) return false;
  }
  return true;
}

/** Linear scan of all rows against every variant; same contract as the WASM scan. */
export function jsScan(mem: SegmentMemory, variants: number, threshold: number, sink: number[]): void {
  const { u32 } = mem;
  const field = (offset: number): number => u32[offset >>> 2] ?? 0;
  const rows = field(DESC.rows);
  const words32 = field(DESC.words) * 2;
  const hashes = field(DESC.hashes) >>> 2;
  const ids = field(DESC.ids) >>> 2;
  const dead = field(DESC.dead);
  const query = field(DESC.query) >>> 2;
  for (let row = 0; row < rows; row++) {
    const at = hashes + row * words32;
    for (let v = 0; v < variants; v++) {
      const d = distanceAt(u32, at, query + v * words32, words32);
      if (d <= threshold && !isDead(u32, dead, row)) sink.push(u32[ids + row] ?? 0, d | (v << 16));
    }
  }
  u32[DESC.statProbes >>> 2] = 0;
  u32[DESC.statEntries >>> 2] = 0;
  u32[DESC.statCandidates >>> 2] = rows;
}
