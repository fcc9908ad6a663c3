/**
 * One case of the matching benchmark (a distribution and a size), run in its
 * own process by bench/match.ts so that no case inherits another's memory
 * (releasing gigabytes of WebAssembly memory costs tens of milliseconds of
 * CPU whenever it happens) or JIT state. Prints its log lines, then one line
 * `RESULT {"runs": [...], "notes": [...]}`.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { percentile } from './harness.ts';
import { applyTypicalDeltas, buildIndex, makeCase, measure, run, sameAnswers, saveAndLoad, variantOf, type Distribution, type Run } from './match-cases.ts';
import { runFaiss } from './match-faiss.ts';
import { RESULT_PREFIX } from './match-run-protocol.ts';


const { values } = parseArgs({
  options: {
    distribution: { type: 'string' },
    n: { type: 'string' },
    faiss: { type: 'boolean', default: false },
    'min-ms': { type: 'string', default: '1000' },
  },
});
const distribution: Distribution | undefined = values.distribution === 'uniform' || values.distribution === 'clustered' ? values.distribution : undefined;
const n = Number(values.n);
const minMs = Number(values['min-ms']);
if (distribution === undefined || !Number.isInteger(n) || n < 1000 || !(minMs > 0)) {
  console.error('usage: tsx bench/match-run.ts --distribution uniform|clustered --n 1000000 [--faiss] [--min-ms 1000]');
  process.exit(2);
}
const useFaiss = values.faiss;
const threshold = 31;

setFlagsFromString('--expose-gc');
const gcFunction: unknown = runInNewContext('gc');
const collect = (): void => {
  if (typeof gcFunction === 'function') gcFunction();
};

const runs: Run[] = [];
const notes: string[] = [];
const log = (line: string): void => console.log(line);

log(`\n== ${distribution}, N = ${n.toLocaleString('en')}, T = ${threshold}`);
const data = makeCase(n, distribution, threshold, 0x1234 + n);
const fewer = (ms: number): number => (n >= 5e6 ? ms / 2 : ms);

let faissMatches: readonly number[] | null = null;
if (useFaiss) {
  log('  faiss: building IndexBinaryMultiHash(256,16,16), nflip 1 ...');
  const f = runFaiss(data.hashes, data.queries, threshold, fewer(minMs) / 1000);
  faissMatches = f.matches;
  runs.push({
    index: 'faiss-multihash',
    n,
    distribution,
    threshold,
    p50_us: f.p50Us,
    p99_us: f.p99Us,
    qps: f.qps,
    candidates: Number.NaN,
    cpu_p50_us: null,
    cpu_p99_us: null,
    bytes_per_indicator: f.bytesPerIndicator,
    build_ms: f.buildMs,
    delta_apply_ms: null,
    faiss_version: f.version,
  });
}

const built = await buildIndex(data);
const { index } = built;
const stats = index.stats();
const mihBytes = index.bytesUsed() / index.size;
const layout = stats.segments.map((s) => s.layout).join('; ');
log(`  built in ${built.buildMs.toFixed(0)} ms: ${layout}; kernel compiled in ${stats.kernelCompileMs.toFixed(1)} ms`);

const mih = await measure(index, data.queries, (q) => index.search(q), minMs);
const loadCheck = await saveAndLoad(index, data.queries);
log(`  file: ${(loadCheck.fileBytes / 2 ** 20).toFixed(0)} MiB, save ${loadCheck.saveMs.toFixed(0)} ms, load ${loadCheck.loadMs.toFixed(0)} ms, same answers: ${loadCheck.agrees}`);
collect();
runs.push(
  run(data, 'mih-wasm', mih, {
    bytes_per_indicator: mihBytes,
    build_ms: built.buildMs,
    load_ms: loadCheck.loadMs,
    layout,
    compile_ms: stats.kernelCompileMs,
  }),
);
const dihedral = await measure(index, data.dihedral, (set) => index.searchMany(set), fewer(minMs));
runs.push(run(data, 'mih-wasm-dihedral8', dihedral, { bytes_per_indicator: mihBytes }));

const mihJs = variantOf(index, { kernelPath: 'js' });
runs.push(run(data, 'mih-js', await measure(mihJs, data.queries, (q) => mihJs.search(q), fewer(minMs), 10), { bytes_per_indicator: mihBytes }));

const scanBuilt = await buildIndex(data, { maxBytesPerIndicator: 40 });
const scan = scanBuilt.index;
const scanBytes = scan.bytesUsed() / scan.size;
const scanWasm = await measure(scan, data.queries, (q) => scan.search(q), fewer(minMs), 10);
runs.push(run(data, 'scan-wasm', scanWasm, { bytes_per_indicator: scanBytes, build_ms: scanBuilt.buildMs, hashes_per_s: n / (scanWasm.timing.p50Us / 1e6) }));
runs.push(run(data, 'scan-wasm-dihedral8', await measure(scan, data.dihedral, (set) => scan.searchMany(set), fewer(minMs), 10), { bytes_per_indicator: scanBytes }));
const scanJs = variantOf(scan, { kernelPath: 'js' });
runs.push(run(data, 'scan-js', await measure(scanJs, data.queries, (q) => scanJs.search(q), fewer(minMs), 5), { bytes_per_indicator: scanBytes }));

const sample = data.queries.slice(0, 200);
const agree = sameAnswers(index, scan, sample) && sameAnswers(index, mihJs, sample.slice(0, 50)) && sameAnswers(scan, scanJs, sample.slice(0, 10));
const faissAgrees = faissMatches === null || faissMatches.every((count, i) => index.search(data.queries[i] ?? new Uint8Array(32)).length === count);
log(`  cross-check on ${sample.length} queries: multi-index = scan = JS kernels: ${agree}${faissMatches === null ? '' : `; match counts = FAISS on ${faissMatches.length} queries: ${faissAgrees}`}`);
if (!agree || !faissAgrees || !loadCheck.agrees) notes.push(`MISMATCH at ${distribution} N=${n}`);
scan.close();
scanJs.close();
mihJs.close();
collect();

// Five days' deltas, then a full compaction in the background with queries between slices.
const deltas = applyTypicalDeltas(index, data, 5);
const deltaMs = percentile([...deltas.wall].sort((a, b) => a - b), 50);
const deltaMaxMs = Math.max(...deltas.wall);
const deltaCpuMaxMs = Math.max(...deltas.cpu);
const compactStart = performance.now();
await index.compact({ full: true });
const compactMs = performance.now() - compactStart;
const maxSlice = Math.max(0, ...built.slices);
const maxSliceCpu = Math.max(0, ...built.sliceCpu);
const during = [...built.queriesDuringCompaction].sort((a, b) => a - b);
log(
  `  deltas (10k adds + 10k removes, 5 of them) applied in ${deltaMs.toFixed(1)} ms median, ${deltaMaxMs.toFixed(1)} ms max wall, ` +
    `${deltaCpuMaxMs.toFixed(1)} ms max CPU; full compaction ${compactMs.toFixed(0)} ms wall in ${built.slices.length} slices, ` +
    `longest ${maxSlice.toFixed(1)} ms wall, ${maxSliceCpu.toFixed(1)} ms CPU; queries between slices p50 ${percentile(during, 50).toFixed(0)} µs, p99 ${percentile(during, 99).toFixed(0)} µs`,
);
// The merged-away segments are garbage now: collect them and watch queries while their memory is released.
const stallStart = performance.now();
collect();
let worstQueryUs = 0;
let worstGapMs = 0;
let last = performance.now();
for (let i = 0; performance.now() - stallStart < 1000; i++) {
  const t0 = performance.now();
  worstGapMs = Math.max(worstGapMs, t0 - last);
  index.search(data.queries[i % data.queries.length] ?? new Uint8Array(32));
  last = performance.now();
  worstQueryUs = Math.max(worstQueryUs, (last - t0) * 1000);
}
log(`  after the swap, while the old segments' memory is released: slowest query ${(worstQueryUs / 1000).toFixed(1)} ms, longest gap ${worstGapMs.toFixed(1)} ms`);
const mihRun = runs.find((r) => r.index === 'mih-wasm' && r.n === n && r.distribution === distribution);
if (mihRun !== undefined) {
  runs[runs.indexOf(mihRun)] = {
    ...mihRun,
    delta_apply_ms: deltaMs,
    delta_apply_max_ms: deltaMaxMs,
    delta_apply_cpu_max_ms: deltaCpuMaxMs,
    compaction_ms: compactMs,
    compaction_max_slice_ms: maxSlice,
    compaction_max_slice_cpu_ms: maxSliceCpu,
    compaction_query_p99_us: percentile(during, 99),
    release_stall_ms: Math.max(worstQueryUs / 1000, worstGapMs),
  };
}
index.close();
console.log(`${RESULT_PREFIX}${JSON.stringify({ runs, notes })}`);
