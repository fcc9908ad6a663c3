/**
 * The matching benchmark's cases: data sets, and for each index the setup
 * (build, load) followed by a hot loop of single queries handed to the
 * harness. Baselines (WASM and JS linear scans, FAISS) run on the same data
 * and queries in the same process, so ratios are what to quote.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, time, type Timing } from './harness.ts';
import { createHammingIndex, loadHammingIndex } from '../shared/match/index.ts';
import type { HammingIndex } from '../shared/match/index.ts';
import { SegmentedIndex } from '../shared/match/hamming-index.ts';
import { clusteredHashes, flipBits, randomSource, uniformHashes } from '../shared/match/testing/synthetic.ts';

export type Distribution = 'uniform' | 'clustered';

/** One row of bench/results/match.json. */
export interface Run {
  readonly index: string;
  readonly n: number;
  readonly distribution: Distribution;
  readonly threshold: number;
  readonly p50_us: number;
  readonly p99_us: number;
  readonly qps: number;
  readonly candidates: number;
  readonly bytes_per_indicator: number;
  readonly build_ms: number | null;
  readonly delta_apply_ms: number | null;
  readonly [extra: string]: string | number | null;
}

export interface CaseData {
  readonly n: number;
  readonly distribution: Distribution;
  readonly threshold: number;
  readonly ids: Uint32Array;
  readonly hashes: Uint8Array;
  /** Half uniform random (the usual upload: no match), half a stored hash with 0..T bits flipped. */
  readonly queries: readonly Uint8Array[];
  /** Eight hashes per call, as the 8 dihedral PDQ variants of one image: one near a stored hash, seven unrelated. */
  readonly dihedral: readonly (readonly Uint8Array[])[];
}

export function makeCase(n: number, distribution: Distribution, threshold: number, seed: number): CaseData {
  const next = randomSource(seed);
  const hashes = distribution === 'uniform' ? uniformHashes(n, 32, next) : clusteredHashes(n, 32, next);
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  const near = (): Uint8Array => {
    const row = next() % n;
    return flipBits(hashes.slice(row * 32, row * 32 + 32), next() % (threshold + 1), next);
  };
  const queries = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? uniformHashes(1, 32, next) : near()));
  const dihedral = Array.from({ length: 200 }, () => [near(), ...Array.from({ length: 7 }, () => uniformHashes(1, 32, next))]);
  return { n, distribution, threshold, ids, hashes, queries, dihedral };
}

export interface Measured {
  readonly timing: Timing;
  /** Full-hash comparisons per call. */
  readonly candidates: number;
  /**
   * Per-call CPU time (µs, p50 and p99) from a second pass: on this shared
   * machine, wall-clock tails include time the OS gave to other processes.
   */
  readonly cpuP50Us: number;
  readonly cpuP99Us: number;
}

/** Times one call of `call` per sample, cycling through `inputs`. */
export async function measure<T>(index: HammingIndex, inputs: readonly T[], call: (input: T) => unknown, minMs: number, minIterations = 20): Promise<Measured> {
  let i = 0;
  const before = index.stats().searches.candidates;
  const timing = await time(
    () => {
      const input = inputs[i % inputs.length];
      i++;
      if (input !== undefined) call(input);
    },
    { minMs, minIterations, warmup: 20 },
  );
  // Warm-up calls count too: they did the same work.
  const candidates = (index.stats().searches.candidates - before) / i;
  const cpu: number[] = [];
  const until = performance.now() + minMs / 2;
  for (let j = 0; j < 2000 && (performance.now() < until || cpu.length < minIterations); j++) {
    const input = inputs[j % inputs.length];
    if (input === undefined) continue;
    const started = process.cpuUsage();
    call(input);
    const used = process.cpuUsage(started);
    cpu.push(used.user + used.system);
  }
  cpu.sort((a, b) => a - b);
  return { timing, candidates, cpuP50Us: percentile(cpu, 50), cpuP99Us: percentile(cpu, 99) };
}

export function run(data: CaseData, index: string, m: Measured, fields: Partial<Run> & { bytes_per_indicator: number }): Run {
  return {
    index,
    n: data.n,
    distribution: data.distribution,
    threshold: data.threshold,
    p50_us: m.timing.p50Us,
    p99_us: m.timing.p99Us,
    qps: m.timing.opsPerSecond,
    candidates: m.candidates,
    cpu_p50_us: m.cpuP50Us,
    cpu_p99_us: m.cpuP99Us,
    build_ms: null,
    delta_apply_ms: null,
    ...fields,
  };
}

export interface BuiltIndex {
  readonly index: SegmentedIndex;
  readonly buildMs: number;
  /** Wall-clock durations of background work slices, ms (filled while compaction runs). */
  readonly slices: number[];
  /** CPU time of the same slices, ms: the work itself, without time the OS gave to other processes. */
  readonly sliceCpu: number[];
  /** Query latencies measured between background slices, µs. */
  readonly queriesDuringCompaction: number[];
}

/** Builds an index from the packed data as the sidecar would at start-up from its replica. */
export async function buildIndex(data: CaseData, options: { maxBytesPerIndicator?: number } = {}): Promise<BuiltIndex> {
  const slices: number[] = [];
  const sliceCpu: number[] = [];
  const queriesDuringCompaction: number[] = [];
  let q = 0;
  const schedule = (work: () => void): void => {
    setImmediate(() => {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      work();
      slices.push(performance.now() - t0);
      const used = process.cpuUsage(cpu);
      sliceCpu.push((used.user + used.system) / 1000);
      // A query arriving right after a slice: what the sidecar sees while compaction runs.
      const query = data.queries[q++ % data.queries.length];
      if (query !== undefined && built !== null) {
        const t1 = performance.now();
        built.search(query);
        queriesDuringCompaction.push((performance.now() - t1) * 1000);
      }
    });
  };
  let built: HammingIndex | null = null;
  const index = await createHammingIndex({ bits: 256, engine: 'wasm', threshold: data.threshold, schedule, ...options });
  const t0 = performance.now();
  index.applyDelta({ adds: { ids: data.ids, hashes: data.hashes } });
  const buildMs = performance.now() - t0;
  built = index;
  if (!(index instanceof SegmentedIndex)) throw new Error('createHammingIndex returned an unexpected implementation');
  return { index, buildMs, slices, sliceCpu, queriesDuringCompaction };
}

/** The same segments searched another way: by the JS kernel, or by linear scan. */
export function variantOf(index: SegmentedIndex, how: { kernelPath?: 'auto' | 'js'; route?: 'auto' | 'scan' }): SegmentedIndex {
  return new SegmentedIndex({ ...index.config, autoCompact: false, ...how }, [...index.segments]);
}

/** Writes the index file and loads it back; returns the load time and whether answers agree. */
export async function saveAndLoad(index: HammingIndex, queries: readonly Uint8Array[]): Promise<{ loadMs: number; saveMs: number; fileBytes: number; agrees: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'hashfeed-match-bench-'));
  try {
    const path = join(dir, 'index.bin');
    const s0 = performance.now();
    index.save(path);
    const saveMs = performance.now() - s0;
    const t0 = performance.now();
    const loaded = await loadHammingIndex(path, { engine: 'wasm' });
    const loadMs = performance.now() - t0;
    const agrees = queries.slice(0, 100).every((q) => JSON.stringify(loaded.search(q)) === JSON.stringify(index.search(q)));
    loaded.close();
    return { loadMs, saveMs, fileBytes: index.serialize().reduce((n, c) => n + c.length, 0), agrees };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A day's delta (10k additions and 10k removals) applied to the built index,
 * `count` times with different ids; wall and CPU milliseconds of each.
 */
export function applyTypicalDeltas(index: HammingIndex, data: CaseData, count: number): { wall: number[]; cpu: number[] } {
  const wall: number[] = [];
  const cpu: number[] = [];
  const size = 10_000;
  for (let d = 0; d < count; d++) {
    const next = randomSource(data.n ^ (0x5eed + d));
    const ids = Uint32Array.from({ length: size }, (_, i) => data.n + d * size + i);
    const hashes = uniformHashes(size, 32, next);
    const removes = Array.from({ length: size }, (_, i) => Math.floor((i * data.n) / size) + d);
    const started = process.cpuUsage();
    const t0 = performance.now();
    index.applyDelta({ removes, adds: { ids, hashes } });
    wall.push(performance.now() - t0);
    const used = process.cpuUsage(started);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

export function sameAnswers(a: HammingIndex, b: HammingIndex, queries: readonly Uint8Array[]): boolean {
  return queries.every((q) => JSON.stringify(a.search(q)) === JSON.stringify(b.search(q)));
}
