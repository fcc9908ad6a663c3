/**
 * npm run bench:match [-- --sizes 100000,1000000[,10000000]] [--faiss] [--distributions uniform,clustered] [--min-ms 1000]
 *
 * The matching core against its baselines on one core, 256-bit hashes, T = 31:
 * the multi-index search (WASM and JS kernels), the linear scan (WASM and
 * JS), the 8-variant dihedral call, and with --faiss HMA's FAISS index, all
 * on the same data and queries in one process. 10M needs about 3 GB and is
 * only run when asked for in --sizes. Writes bench/results/match.json and a
 * plot (match.svg, match.png).
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { printTable, writeResults } from './harness.ts';
import { applyTypicalDeltas, buildIndex, makeCase, measure, run, sameAnswers, saveAndLoad, variantOf, type Distribution, type Run } from './match-cases.ts';
import { faissAvailable, runFaiss } from './match-faiss.ts';
import { plotRuns } from './match-plot.ts';
import { percentile } from './harness.ts';
import { bytesPerIndicator } from '../shared/match/plan.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    distributions: { type: 'string', default: 'uniform,clustered' },
    faiss: { type: 'boolean', default: false },
    'min-ms': { type: 'string', default: '1000' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const distributions = values.distributions.split(',').filter((d): d is Distribution => d === 'uniform' || d === 'clustered');
const minMs = Number(values['min-ms']);
const threshold = 31;
if (sizes.some((n) => !Number.isInteger(n) || n < 1000) || distributions.length === 0 || !(minMs > 0)) {
  console.error('usage: npm run bench:match -- [--sizes 100000,1000000,10000000] [--faiss] [--distributions uniform,clustered] [--min-ms 1000]');
  process.exit(2);
}

// Large WebAssembly memories are freed on GC; collecting between cases keeps the 10M run near 3 GB.
setFlagsFromString('--expose-gc');
const gcFunction: unknown = runInNewContext('gc');
const collect = (): void => {
  if (typeof gcFunction === 'function') gcFunction();
};

const useFaiss = values.faiss && faissAvailable();
if (values.faiss && !useFaiss) console.log('--faiss: /usr/bin/python3 -c "import faiss" fails (apt-get install python3-faiss); skipping FAISS');

const runs: Run[] = [];
const notes: string[] = [];
const log = (line: string): void => console.log(line);

for (const distribution of distributions) {
  for (const n of sizes) {
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
    // Let this case's memory go before the next case measures anything.
    collect();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    collect();
  }
}

const table = runs.map((r) => ({
  index: r.index,
  dist: r.distribution,
  n: r.n,
  p50_us: r.p50_us,
  p99_us: r.p99_us,
  cpu_p99: typeof r['cpu_p99_us'] === 'number' ? r['cpu_p99_us'] : '',
  qps: r.qps,
  cand: r.candidates,
  'B/ind': r.bytes_per_indicator,
  build_ms: r.build_ms ?? '',
  load_ms: typeof r['load_ms'] === 'number' ? r['load_ms'] : '',
  delta_ms: r.delta_apply_ms ?? '',
}));
log('\nRuns (µs per call, wall clock; cpu_p99 = p99 of per-call CPU time; dihedral8 = one call with 8 hashes):');
printTable(table);

const find = (index: string, n: number, d: Distribution): Run | undefined => runs.find((r) => r.index === index && r.n === n && r.distribution === d);
const ratioRows: Record<string, string | number>[] = [];
const QUOTED: Record<number, Record<string, number>> = {
  1_000_000: { 'C++ AVX-512 scan': 850, 'HMA FAISS': 2000, 'Meta C++ MIH': 2750 },
  10_000_000: { 'C++ AVX-512 scan': 7600, 'HMA FAISS': 47900 },
};
for (const d of distributions) {
  for (const n of sizes) {
    const mih = find('mih-wasm', n, d);
    if (mih === undefined) continue;
    const row: Record<string, string | number> = { dist: d, n, 'mih p50 µs': mih.p50_us };
    for (const base of ['scan-wasm', 'scan-js', 'mih-js', 'faiss-multihash']) {
      const b = find(base, n, d);
      if (b !== undefined) row[`x ${base}`] = b.p50_us / mih.p50_us;
    }
    for (const [name, us] of Object.entries(QUOTED[n] ?? {})) row[`x quoted ${name}`] = us / mih.p50_us;
    ratioRows.push(row);
  }
}
log('\nSpeed-up of mih-wasm (p50) over each baseline (same run) and over the figures quoted in the issue:');
const ratioColumns = [...new Set(ratioRows.flatMap((r) => Object.keys(r)))];
printTable(ratioRows.map((r) => Object.fromEntries(ratioColumns.map((c) => [c, r[c] ?? '']))));

log('\nTargets (T = 31; p99 on uniform data as the issue states them):');
const check = (label: string, ok: boolean | undefined): void => log(`  ${ok === undefined ? 'n/a ' : ok ? 'PASS' : 'FAIL'}  ${label}`);
const u1 = find('mih-wasm', 1_000_000, 'uniform');
const u10 = find('mih-wasm', 10_000_000, 'uniform');
check(`<= 200 µs per query at 1M (${u1?.p50_us.toFixed(0) ?? '-'} µs)`, u1 && u1.p50_us <= 200);
check(`<= 500 µs per query at 10M (${u10?.p50_us.toFixed(0) ?? '-'} µs)`, u10 && u10.p50_us <= 500);
for (const r of runs.filter((x) => x.index === 'mih-wasm' && x.distribution === 'uniform')) {
  const cpuRatio = Number(r['cpu_p99_us']) / Number(r['cpu_p50_us']);
  check(`p99 <= 3x p50 (${r.n}: wall ${(r.p99_us / r.p50_us).toFixed(2)}x, CPU time ${cpuRatio.toFixed(2)}x)`, r.p99_us <= 3 * r.p50_us);
}
for (const r of runs.filter((x) => x.index === 'scan-wasm' && x.n >= 1_000_000)) {
  const rate = Number(r['hashes_per_s']);
  check(`WASM scan >= 150M hashes/s (${r.distribution} ${r.n}: ${(rate / 1e6).toFixed(0)}M/s)`, rate >= 150e6);
}
for (const n of sizes) {
  const u = find('mih-wasm', n, 'uniform');
  const c = find('mih-wasm', n, 'clustered');
  if (u !== undefined && c !== undefined) check(`clustered <= 3x uniform at ${n} (${(c.p50_us / u.p50_us).toFixed(2)}x)`, c.p50_us <= 3 * u.p50_us);
}
for (const r of runs.filter((x) => x.index === 'mih-wasm')) {
  const deltaMax = Number(r['delta_apply_max_ms']);
  const deltaCpu = Number(r['delta_apply_cpu_max_ms']);
  check(
    `10k+10k delta applied in <= 50 ms (${r.distribution} ${r.n}: median ${r.delta_apply_ms?.toFixed(1) ?? '-'} ms, max ${deltaMax.toFixed(1)} ms wall, ${deltaCpu.toFixed(1)} ms CPU)`,
    deltaMax <= 50,
  );
  const slice = Number(r['compaction_max_slice_ms']);
  const sliceCpu = Number(r['compaction_max_slice_cpu_ms']);
  // Wall time includes any preemption by other processes on this shared machine; CPU time is the work itself.
  check(`compaction never blocks > 50 ms (${r.distribution} ${r.n}: longest slice ${slice.toFixed(1)} ms wall, ${sliceCpu.toFixed(1)} ms CPU)`, sliceCpu <= 50);
  if (r.n >= 10_000_000) check(`load of the 10M index file <= 5 s (${Number(r['load_ms']).toFixed(0)} ms)`, Number(r['load_ms']) <= 5000);
  if (r.n >= 1_000_000) check(`<= 96 bytes per indicator, all in (${r.distribution} ${r.n}: ${r.bytes_per_indicator.toFixed(1)})`, r.bytes_per_indicator <= 96);
}
log(`  (a scan-only layout would take ${bytesPerIndicator({ bits: 256, slots: [] }, 1e6).toFixed(1)} bytes per indicator)`);
for (const note of notes) log(`  ${note}`);

const path = writeResults('match', { runs });
const plot = await plotRuns(runs);
log(`\nwrote ${path}, ${plot.svg}, ${plot.png}`);
if (notes.length > 0) process.exitCode = 1;
