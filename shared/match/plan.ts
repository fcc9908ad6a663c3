/**
 * Choosing the multi-index layout of a segment from its size N and the
 * threshold T it will mostly be asked (Norouzi, Punjani, Fleet, "Fast Exact
 * Search in Hamming Space with Multi-Index Hashing", TPAMI 2014).
 *
 * A hash is cut into m slots (contiguous bit ranges). Write T = m * r + a with
 * 0 <= a < m. If two hashes are within T, then one of the first a + 1 slots is
 * within r, or one of the other slots is within r - 1 (otherwise the distance
 * would be at least (a + 1)(r + 1) + (m - a - 1) r = T + 1). So slot k is
 * probed with radius r for k <= a and r - 1 after that (skipped when
 * negative): exact, and fewer probes than radius floor(T / m) everywhere.
 *
 * Each slot's key indexes a bucket table by its high `tableBits` bits; the low
 * `remBits` bits ride in each posting, so buckets hold a few entries and a
 * posting whose remainder is too far is dropped before its hash is fetched.
 * That keeps the tables small (memory) while probing costs what a table of
 * 2^width buckets would (the paper's advice: key width near log2 N).
 *
 * The plan minimises an estimate of nanoseconds per query (a cost model fitted
 * to this machine: random reads whose cost grows with the bytes they land in,
 * sequential posting scans, full-hash checks) within a memory budget per
 * indicator, and falls back to a linear scan where that is cheaper.
 */

export type HashBits = 64 | 256;

export interface SlotPlan {
  /** First key bit, in the kernel's bit numbering (bit i is bit i % 8 of byte i / 8 of the canonical bytes). */
  readonly start: number;
  /** Key width in bits, 1..32. */
  readonly width: number;
  /** High key bits that index the bucket table (2^tableBits buckets). */
  readonly tableBits: number;
  /** Low key bits kept in each posting (width - tableBits). */
  readonly remBits: number;
}

export interface SegmentPlan {
  readonly bits: HashBits;
  /** Slots in probe order; empty: the segment is scanned linearly. */
  readonly slots: readonly SlotPlan[];
}

export interface PlanOptions {
  readonly bits: HashBits;
  readonly rows: number;
  /** The threshold the layout is tuned for; searches with another threshold stay exact. */
  readonly threshold: number;
  /** Memory budget, all in (hash, id, postings, tables, scratch), bytes per indicator. */
  readonly maxBytesPerIndicator: number;
  /** Bytes a multi-index segment needs besides its image (scratch buffers; see layout.ts scratchBytes). */
  readonly fixedBytes?: number;
}

export interface CostEstimate {
  /** Bucket-table reads per query (one per probed key prefix). */
  readonly probes: number;
  /** Postings scanned per query. */
  readonly entries: number;
  /** Full-hash checks per query (postings whose key is within the slot radius). */
  readonly candidates: number;
  /** Modelled nanoseconds per query. */
  readonly ns: number;
}

/** Largest bucket table: 2^24 buckets (64 MiB). */
const MAX_TABLE_BITS = 24;
/** Postings are (row << remBits) | remainder in 32 bits; remainders above 8 bits buy nothing measurable. */
const MAX_REM_BITS = 8;

/** Radius of slot k (0-based, probe order) among m slots for threshold t; negative: not probed. */
export function slotRadius(k: number, m: number, threshold: number): number {
  const r = Math.floor(threshold / m);
  return k <= threshold % m ? r : r - 1;
}

/** Number of keys within distance r of a key of n bits: sum of C(n, i), i <= r. */
export function ballSize(n: number, r: number): number {
  let total = 0;
  let term = 1;
  for (let i = 0; i <= Math.min(n, r); i++) {
    total += term;
    term = (term * (n - i)) / (i + 1);
  }
  return total;
}

export function hashBytesOf(bits: HashBits): number {
  return bits / 8;
}

/** Row index bits needed for `rows` rows. */
export function rowBits(rows: number): number {
  return Math.max(1, Math.ceil(Math.log2(Math.max(2, rows))));
}

/** Bytes of a segment's persistent data per indicator: hash, id, tombstone bit, postings, tables. */
export function bytesPerIndicator(plan: SegmentPlan, rows: number): number {
  const n = Math.max(1, rows);
  let tables = 0;
  for (const s of plan.slots) tables += 4 * (2 ** s.tableBits + 1);
  return hashBytesOf(plan.bits) + 4 + 1 / 8 + 4 * plan.slots.length + tables / n;
}

/**
 * Cost of one random read landing somewhere in `bytes` of data, in ns, with
 * independent reads in flight (the kernel keeps them independent). Fitted to
 * this machine (AMD EPYC VM, 4 KiB pages, so DRAM reads also miss the TLB):
 * 3 ns within 1 MiB, 14 ns at 32 MiB, 28 ns from 256 MiB on.
 */
export function randomReadNs(bytes: number): number {
  const curve: readonly (readonly [number, number])[] = [
    [20, 3],
    [22, 6],
    [25, 14],
    [28, 28],
  ];
  const x = Math.log2(Math.max(1, bytes));
  const first = curve[0];
  const last = curve[curve.length - 1];
  if (first === undefined || last === undefined) return 28;
  if (x <= first[0]) return first[1];
  for (let i = 1; i < curve.length; i++) {
    const hi = curve[i];
    const lo = curve[i - 1];
    if (hi !== undefined && lo !== undefined && x <= hi[0]) return lo[1] + ((x - lo[0]) / (hi[0] - lo[0])) * (hi[1] - lo[1]);
  }
  return last[1];
}

/** Modelled cost of a linear scan: memory bandwidth (~30 GB/s) or popcount throughput, whichever binds. */
export function scanCostNs(bits: HashBits, rows: number): number {
  const perRow = Math.max(bits === 256 ? 0.8 : 0.3, hashBytesOf(bits) / 30);
  return 500 + rows * perRow;
}

/** Modelled cost of one multi-index query at `threshold` against `rows` rows laid out by `plan`. */
export function estimateCost(plan: SegmentPlan, rows: number, threshold: number): CostEstimate {
  const m = plan.slots.length;
  if (m === 0) return { probes: 0, entries: 0, candidates: rows, ns: scanCostNs(plan.bits, rows) };
  let tableBytes = 0;
  for (const s of plan.slots) tableBytes += 4 * (2 ** s.tableBits + 1);
  const tableNs = randomReadNs(tableBytes);
  const postingNs = randomReadNs(rows * 4 * m);
  // Verifying costs more than the read: the row address comes from a posting, and the check and its
  // bookkeeping follow (measured ~30 ns per candidate at 1M and 10M).
  const hashNs = randomReadNs(rows * hashBytesOf(plan.bits)) + 14;
  let probes = 0;
  let entries = 0;
  let candidates = 0;
  let ns = 1000;
  plan.slots.forEach((s, k) => {
    const r = slotRadius(k, m, threshold);
    if (r < 0) return;
    const buckets = 2 ** s.tableBits;
    const p = ballSize(s.tableBits, r);
    const perBucket = rows / buckets;
    const nonEmpty = 1 - Math.exp(-perBucket);
    const c = (ballSize(s.width, r) * rows) / 2 ** s.width;
    probes += p;
    entries += p * perBucket;
    candidates += c;
    ns += 50 + p * (tableNs + 6 + nonEmpty * postingNs) + p * perBucket * 0.7 + c * hashNs;
  });
  return { probes, entries, candidates, ns };
}

function splitWidths(bits: number, m: number): number[] {
  const base = Math.floor(bits / m);
  const wide = bits % m;
  return Array.from({ length: m }, (_, i) => (i < wide ? base + 1 : base));
}

function layoutSlots(widths: readonly number[], rows: number, bucketTarget: number): SlotPlan[] {
  const maxRem = Math.min(MAX_REM_BITS, 32 - rowBits(rows));
  const wanted = Math.round(Math.log2(Math.max(1, rows / bucketTarget)));
  let start = 0;
  return widths.map((width) => {
    const tableBits = Math.min(width, MAX_TABLE_BITS, Math.max(width - maxRem, 0, wanted));
    const slot = { start, width, tableBits, remBits: width - tableBits };
    start += width;
    return slot;
  });
}

/** Candidate multi-index layouts for a segment (every slot count, both orders of wide and narrow slots, bucket sizes). */
export function candidatePlans(bits: HashBits, rows: number): SegmentPlan[] {
  const plans: SegmentPlan[] = [];
  const mMin = Math.ceil(bits / 32);
  const mMax = bits === 256 ? 32 : 16;
  for (let m = mMin; m <= mMax; m++) {
    const wideFirst = splitWidths(bits, m);
    const orders = wideFirst[0] === wideFirst[m - 1] ? [wideFirst] : [wideFirst, [...wideFirst].reverse()];
    for (const widths of orders) {
      for (const bucketTarget of [0.5, 1, 2, 4, 8, 16, 32, 64, 128]) {
        plans.push({ bits, slots: layoutSlots(widths, rows, bucketTarget) });
      }
    }
  }
  return plans;
}

/** The layout with the lowest modelled query cost within the memory budget; a scan when nothing beats it. */
export function planSegment(options: PlanOptions): SegmentPlan {
  const { bits, rows, threshold, maxBytesPerIndicator, fixedBytes = 0 } = options;
  const scan: SegmentPlan = { bits, slots: [] };
  let best = scan;
  let bestNs = scanCostNs(bits, rows);
  if (rows < 2048) return scan;
  for (const plan of candidatePlans(bits, rows)) {
    if (bytesPerIndicator(plan, rows) + fixedBytes / rows > maxBytesPerIndicator) continue;
    const { ns } = estimateCost(plan, rows, threshold);
    if (ns < bestNs) {
      best = plan;
      bestNs = ns;
    }
  }
  return best;
}

/** Short human form, e.g. "11 slots 24/23 bits, tables 2^18, radius 2/1 at T=31". */
export function describePlan(plan: SegmentPlan, threshold: number): string {
  const m = plan.slots.length;
  if (m === 0) return 'linear scan';
  const widths = [...new Set(plan.slots.map((s) => s.width))].join('/');
  const tables = [...new Set(plan.slots.map((s) => s.tableBits))].map((b) => `2^${b}`).join('/');
  const radii = [...new Set(plan.slots.map((_, k) => slotRadius(k, m, threshold)))].join('/');
  return `${m} slots of ${widths} bits, tables ${tables}, radius ${radii} at T=${threshold}`;
}
