/**
 * npm run soak -- --minutes M [--interval-seconds S] [--out FILE]: a Centre
 * and a provider sidecar, each its own `hashfeed` process on loopback, under
 * a steady workload for M minutes: new indicators published every few
 * seconds (and now and then one revoked), the sidecar syncing every 5 s
 * (the Centre's polling hint lowered to match),
 * synthetic uploads scanned through its local API (half of them match),
 * reports delivered and decided by a reviewer. Every S seconds (default 5)
 * it samples each process: RSS, heap used, open file descriptors, SQLite
 * WAL size and event-loop delay (p99 and max since the last sample). It
 * writes the samples as JSON (default bench/results/soak.json) and a plot
 * beside them, prints start/end/max and the second-half slope of each
 * figure, and exits 1 if a bound of bench/soak/summary.ts is exceeded.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateImage, type FamilyName } from '../fixtures/index.ts';
import { getAlgorithm, hashImage } from '../shared/hashing/index.ts';
import { repoRoot } from '../shared/testing/vectors.ts';
import { field, startSidecarStack } from './sidecar-stack.ts';
import { printTable } from './harness.ts';
import { SoakChild } from './soak/child.ts';
import { plotSoak } from './soak/plot.ts';
import { BOUNDS, checkBounds, summarise, type Metric, type TimedSample } from './soak/summary.ts';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '30' }, 'interval-seconds': { type: 'string', default: '5' }, out: { type: 'string' } },
});
const minutes = Number(values.minutes);
const intervalSeconds = Number(values['interval-seconds']);
if (!(minutes > 0 && minutes <= 24 * 60)) throw new Error('--minutes must be above 0 and at most 1440');
if (!(Number.isInteger(intervalSeconds) && intervalSeconds >= 1 && intervalSeconds <= 600)) throw new Error('--interval-seconds must be an integer from 1 to 600');
const outFile = resolve(values.out ?? join(repoRoot, 'bench', 'results', 'soak.json'));

/** The workload's pace: a publication every 5 s (every 6th also revokes one indicator), a scan every second, a review every 3 s. */
const PUBLISH_EVERY_MS = 5000;
const REVOKE_EVERY = 6;
const ROWS_PER_PUBLICATION = 5;
const SCAN_EVERY_MS = 1000;
const REVIEW_EVERY_MS = 3000;
const SYNC_EVERY_SECONDS = 5;
/** Synthetic pictures: the first group is published (its scans match), the second never is. */
const MATCHING: readonly [FamilyName, number][] = [['scenes', 102], ['textures', 101], ['text', 103], ['gradients', 105]];
const UNRELATED: readonly [FamilyName, number][] = [['scenes', 107], ['text', 108], ['textures', 109], ['scenes', 110]];

const root = mkdtempSync(join(tmpdir(), 'hf-soak-'));
const children: SoakChild[] = [];
let cleaned = false;
async function cleanUp(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await Promise.allSettled(children.map((child) => child.stop()));
  rmSync(root, { recursive: true, force: true });
}
const stopping = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`soak: ${signal}, stopping\n`);
    stopping.abort();
  });
}

const sleep = (ms: number): Promise<void> =>
  new Promise((done) => {
    if (stopping.signal.aborted) return done();
    const timer = setTimeout(finish, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    function finish(): void {
      clearTimeout(timer);
      stopping.signal.removeEventListener('abort', finish);
      done();
    }
    stopping.signal.addEventListener('abort', finish);
  });

/** Errors per workload loop: a count and the first few messages (the run goes on; the summary reports them). */
const errors = new Map<string, { count: number; first: string[] }>();
function noteError(loop: string, err: unknown): void {
  const held = errors.get(loop) ?? { count: 0, first: [] };
  held.count++;
  if (held.first.length < 3) held.first.push((err instanceof Error ? err.message : String(err)).slice(0, 300));
  errors.set(loop, held);
}

/** Runs `step` every `everyMs` until `until` or a stop signal; a failing step is counted, not fatal. */
async function every(name: string, everyMs: number, until: number, step: () => Promise<void>): Promise<void> {
  while (!stopping.signal.aborted && Date.now() < until) {
    const started = Date.now();
    try {
      await step();
    } catch (err) {
      noteError(name, err);
    }
    await sleep(Math.min(everyMs - (Date.now() - started), until - Date.now()));
  }
}

async function main(): Promise<number> {
  // The feed: indicators of the matching pictures; an order that covers the soak's uploads.
  const picture = ([family, seed]: readonly [FamilyName, number]): Promise<Buffer> => generateImage({ family, seed, width: 960, height: 720, format: 'jpeg', quality: 90 });
  const matching = await Promise.all(MATCHING.map(picture));
  const unrelated = await Promise.all(UNRELATED.map(picture));
  const rows = [];
  for (const [i, bytes] of matching.entries()) {
    const { results } = await hashImage(bytes, { algorithms: ['pdq'] });
    for (const r of results) rows.push({ algorithm: r.algorithm, hash: getAlgorithm(r.algorithm).format(r.hash), category: 'A1', reference: `SOAK-picture-${i}` });
  }
  const stack = await startSidecarStack({ root, rows, syncEverySeconds: SYNC_EVERY_SECONDS, orderMinutes: minutes, children, signal: stopping.signal });
  const { centre, sidecar, local, tokens, api, publishRows } = stack;
  process.stderr.write(`soak: centre ${stack.url}, sidecar ${local}; running ${minutes} min, sampling every ${intervalSeconds} s\n`);

  const started = Date.now();
  const until = started + minutes * 60_000;
  const series: Record<string, TimedSample[]> = { centre: [], sidecar: [] };
  const counts = { publications: 0, revocations: 0, indicatorsAdded: 0, scans: 0, scansMatched: 0, reportsQueued: 0, reviews: 0 };
  const batches: number[] = [];

  const sample = async (): Promise<void> => {
    const minutesIn = (Date.now() - started) / 60_000;
    const [c, s] = await Promise.all([centre.sample(), sidecar.sample()]);
    series.centre?.push({ minutes: minutesIn, values: { ...c } });
    series.sidecar?.push({ minutes: minutesIn, values: { ...s } });
  };
  const publish = async (): Promise<void> => {
    const batch = Array.from({ length: ROWS_PER_PUBLICATION }, (_, i) => ({ algorithm: 'pdq', hash: randomBytes(32).toString('hex'), category: i % 2 === 0 ? 'A1' : 'B2', reference: `SOAK-${randomBytes(4).toString('hex')}` }));
    batches.push(await publishRows(batch));
    counts.publications++;
    counts.indicatorsAdded += batch.length;
    if (counts.publications % REVOKE_EVERY !== 0) return;
    // One indicator of the oldest batch that still has one: revoked, and the removal published.
    const batchId = batches[0];
    if (batchId === undefined) return;
    const listed = field((await api('GET', `/v1/indicators?batch=${batchId}&status=active&limit=1`, tokens.operator)).json, 'indicators');
    const target: unknown = Array.isArray(listed) ? listed[0] : undefined;
    if (target === undefined) {
      batches.shift();
      return;
    }
    await api('POST', `/v1/indicators/${String(field(target, 'id'))}/revoke`, tokens.authority, { reason: 'FALSE_POSITIVE' });
    await stack.publish();
    counts.revocations++;
  };
  const scan = async (): Promise<void> => {
    const match = counts.scans % 2 === 0;
    const pool = match ? matching : unrelated;
    const bytes = pool[Math.floor(counts.scans / 2) % pool.length] ?? Buffer.alloc(0);
    counts.scans++;
    const res = await fetch(`${local}/v1/scan?surface=uploads&subject=user:bench-user`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.localToken}`, 'content-type': 'application/octet-stream' },
      body: bytes,
      signal: AbortSignal.timeout(30_000),
    });
    const answer: unknown = await res.json();
    if (!res.ok) throw new Error(`scan: ${res.status} ${JSON.stringify(answer).slice(0, 200)}`);
    const found = field(answer, 'matches');
    const matched = Array.isArray(found) && found.length > 0;
    if (matched !== match) throw new Error(`scan of a ${match ? 'published' : 'unrelated'} picture ${matched ? 'matched' : 'did not match'}`);
    if (matched) counts.scansMatched++;
    if (typeof field(answer, 'reportId') === 'string') counts.reportsQueued++;
  };
  const review = async (): Promise<void> => {
    const claimed = await api('GET', '/v1/review/next', tokens.reviewer);
    const reportId = field(field(claimed.json, 'report'), 'reportId');
    if (typeof reportId !== 'string') return;
    const decision = counts.reviews % 2 === 0 ? { decision: 'forwarded' } : { decision: 'unfounded', reason: 'preview_mismatch', comment: 'The preview does not resemble the indicator.' };
    await api('POST', `/v1/review/reports/${reportId}/decision`, tokens.reviewer, decision);
    counts.reviews++;
  };
  const progress = async (): Promise<void> => {
    const last = series.centre?.at(-1);
    const lastSidecar = series.sidecar?.at(-1);
    if (last === undefined) return;
    const replica = field(await (await fetch(`${local}/healthz`)).json(), 'replicaVersion');
    const mb = (v: number | undefined): string => ((v ?? 0) / 1024 / 1024).toFixed(1);
    process.stderr.write(
      `soak: ${((Date.now() - started) / 60_000).toFixed(1)} min, ${counts.publications} publications, ${counts.scans} scans, ${counts.reviews} reviews, published version ${stack.lastPublished()}, replica version ${String(replica)}; RSS centre ${mb(last?.values.rssBytes)} MB, sidecar ${mb(lastSidecar?.values.rssBytes)} MB\n`,
    );
  };

  await Promise.all([
    every('sample', intervalSeconds * 1000, until, sample),
    every('publish', PUBLISH_EVERY_MS, until, publish),
    every('scan', SCAN_EVERY_MS, until, scan),
    every('review', REVIEW_EVERY_MS, until, review),
    every('progress', 60_000, until, progress),
  ]);
  const finalHealth: unknown = await (await fetch(`${local}/healthz`)).json();
  const fdTargets = Object.fromEntries(children.map((child) => [child.name, countKinds(child.openFdTargets())]));

  const table: Record<string, string | number>[] = [];
  const checks: { process: string; says: string; observed: number | null; limit: number; held: boolean }[] = [];
  for (const [name, samples] of Object.entries(series)) {
    for (const m of summarise(samples)) {
      const [unit, divisor] = unitOf(m.metric);
      const show = (v: number): string => (v / divisor).toFixed(divisor === 1 ? 1 : 2);
      table.push({ process: name, metric: `${m.metric} (${unit})`, start: show(m.start), end: show(m.end), max: show(m.max), 'slope/min (2nd half)': m.slopePerMinute === null ? '-' : show(m.slopePerMinute) });
    }
    for (const c of checkBounds(samples)) checks.push({ process: name, says: c.bound.says, observed: c.observed, limit: c.bound.limit, held: c.held });
  }
  const result = {
    command: `npm run soak -- --minutes ${minutes} --interval-seconds ${intervalSeconds}`,
    machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version },
    startedAt: new Date(started).toISOString(),
    minutes: (Date.now() - started) / 60_000,
    workload: counts,
    errors: Object.fromEntries(errors),
    lastPublishedVersion: stack.lastPublished(),
    sidecarHealth: finalHealth,
    openFdKinds: fdTargets,
    bounds: BOUNDS,
    checks,
    summary: table,
    samples: series,
  };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  const plot = await plotSoak(series, `hashfeed soak: ${minutes} min, Centre and sidecar processes (${availableParallelism()} cores, Node ${process.version})`, outFile.replace(/\.json$/, ''));

  console.log(`workload: ${JSON.stringify(counts)}`);
  if (errors.size > 0) console.log(`errors: ${JSON.stringify(Object.fromEntries(errors))}`);
  console.log(`at the end: Centre published version ${stack.lastPublished()}; sidecar replica at version ${String(field(finalHealth, 'replicaVersion'))}, status ${String(field(finalHealth, 'status'))}`);
  printTable(table);
  console.log('');
  printTable(checks.map((c) => ({ process: c.process, bound: c.says, observed: c.observed === null ? '-' : formatObserved(c.says, c.observed), held: c.held ? 'yes' : 'NO' })));
  console.log(`\nsamples: ${outFile}\nplot: ${plot.png} (and .svg)`);
  const failed = checks.filter((c) => !c.held).length + (errors.size > 0 ? 1 : 0);
  return failed === 0 ? 0 : 1;
}

function unitOf(metric: Metric): [string, number] {
  return metric === 'rssBytes' || metric === 'heapUsedBytes' || metric === 'walBytes' ? ['MB', 1024 * 1024] : metric === 'openFds' ? ['count', 1] : ['ms', 1];
}

function formatObserved(says: string, observed: number): string {
  return /MB/.test(says) ? `${(observed / 1024 / 1024).toFixed(3)} MB` : observed.toFixed(1);
}

/** Descriptor targets by kind (socket, pipe, anon_inode, or the file's extension): what to look at if they climb. */
function countKinds(targets: readonly string[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const target of targets) {
    const kind = /^(\w+):/.exec(target)?.[1] ?? (target.split('/').at(-1) ?? target).replace(/^[^.]*/, '') ?? 'file';
    kinds[kind || 'file'] = (kinds[kind || 'file'] ?? 0) + 1;
  }
  return kinds;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
} finally {
  await cleanUp();
}
process.exit(exitCode);
