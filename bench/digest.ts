/**
 * npm run bench:digest [-- --n 10000000 --delta 10000 --replica-n 200000 --large 10000000]
 *
 * The state digest per delta (docs/PROTOCOL.md 8.4), old against new in one
 * process:
 *  1. in memory at --n entries: version 1 recomputed over the whole set (what
 *     every delta cost before; entries are synthesised on the fly, so the
 *     SQLite read the real path adds is not even counted) against the
 *     version 2 accumulator updated with a --delta entry delta (half
 *     removes, half adds), read from and written back to its 2048 bytes;
 *  2. the real replica path on a SQLite file of --replica-n rows (in a
 *     child process, bin/testing/replica-delta-timing.ts):
 *     Replica.applyDelta of a --delta delta with a version 1 digest, with a
 *     version 2 digest hashed inline, and the syncer's path (prepareDelta,
 *     hashing in slices that yield, then the rows in one transaction as
 *     before, or in slices of 1000 rows that yield, as the syncer now writes
 *     them); for those the longest event-loop block seen
 *     (monitorEventLoopDelay) is the pause a scan served by the same process
 *     could see; then a snapshot bootstrap
 *     of --replica-n entries with the LtHash recomputed against the
 *     accumulator the snapshot carries, beside the bare SHA-256 pass.
 *  3. with --large N, the syncer's delta path alone on a replica of N rows
 *     (bin/testing/large-replica-delta-timing.ts), one transaction against
 *     slices: at 10M rows, the scale.
 * The cost of case 1's update does not depend on --n; case 2's only through
 * the B-tree depth.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { printTable, time } from './harness.ts';
import { computeStateDigestV1, StateAccumulator } from '../shared/wire/state-digest.ts';
import { syntheticEntrySource } from '../shared/wire/testing/synthetic-entries.ts';

const { values } = parseArgs({
  options: { n: { type: 'string', default: '10000000' }, delta: { type: 'string', default: '10000' }, 'replica-n': { type: 'string', default: '200000' }, large: { type: 'string', default: '0' } },
});
const n = Number(values.n);
const large = Number(values.large);
const deltaSize = Number(values.delta);
const replicaN = Number(values['replica-n']);
if (![n, deltaSize, replicaN].every((v) => Number.isInteger(v) && v >= 2) || deltaSize > n || deltaSize > replicaN || !Number.isInteger(large) || (large !== 0 && large < deltaSize * 4)) {
  console.error('usage: npm run bench:digest -- [--n 10000000] [--delta 10000] [--replica-n 200000] [--large 10000000]');
  process.exit(2);
}

const { entryAt, synthetic } = syntheticEntrySource();

const ms = (us: number): number => Math.round(us / 10) / 100;
const rows: Record<string, string | number>[] = [];

// 1. In memory, at n.
const removes = Array.from({ length: deltaSize / 2 }, (_, i) => entryAt(1 + i * Math.floor(n / (deltaSize / 2))));
const adds = Array.from({ length: deltaSize - removes.length }, (_, i) => entryAt(n + 1 + i));
// The accumulator's value does not change its cost; building the real one for 10M would take minutes.
const stored = randomBytes(2048);
const full = await time(() => computeStateDigestV1(synthetic(n)), { minMs: 0, minIterations: 2, warmup: 0 });
const incremental = await time(
  () => {
    const accumulator = StateAccumulator.fromBytes(stored);
    for (const e of removes) accumulator.remove(e);
    for (const e of adds) accumulator.add(e);
    accumulator.toBytes();
    return accumulator.digest();
  },
  { minMs: 2000, minIterations: 5, warmup: 1 },
);
rows.push({ case: `v1 full recompute, ${n} entries (in memory)`, p50_ms: ms(full.p50Us), max_ms: ms(Math.max(...full.samplesUs)) });
rows.push({ case: `v2 update, ${deltaSize}-entry delta at ${n}`, p50_ms: ms(incremental.p50Us), max_ms: ms(Math.max(...incremental.samplesUs)) });

// 2. The replica's real path on SQLite, in its own process (bench/ may not import client/).
function childRows(script: string, args: readonly string[]): { case: string; p50_ms: number; max_ms: number }[] {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(new URL(script, import.meta.url)), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const line = child.stdout.split('\n').find((l) => l.startsWith('DIGEST_BENCH_ROWS '));
  const parsed: unknown = line === undefined ? undefined : JSON.parse(line.slice('DIGEST_BENCH_ROWS '.length));
  if (!Array.isArray(parsed)) {
    console.error(`the replica case failed (exit ${child.status}):\n${child.stderr.slice(-2000)}`);
    process.exit(1);
  }
  const found: { case: string; p50_ms: number; max_ms: number }[] = [];
  for (const row of parsed) {
    const name: unknown = typeof row === 'object' && row !== null ? Reflect.get(row, 'case') : undefined;
    const p50: unknown = typeof row === 'object' && row !== null ? Reflect.get(row, 'p50_ms') : undefined;
    const max: unknown = typeof row === 'object' && row !== null ? Reflect.get(row, 'max_ms') : undefined;
    if (typeof name === 'string' && typeof p50 === 'number' && typeof max === 'number') found.push({ case: name, p50_ms: p50, max_ms: max });
  }
  return found;
}
rows.push(...childRows('../bin/testing/replica-delta-timing.ts', ['--delta', String(deltaSize), '--replica-n', String(replicaN)]));
// 3. With --large N: the syncer's delta path alone on a replica of N rows (10M: the scale).
const largeRows = large > 0 ? childRows('../bin/testing/large-replica-delta-timing.ts', ['--delta', String(deltaSize), '--replica-n', String(large)]) : [];
rows.push(...largeRows);

printTable(rows);
const ratio = (a: number | string | undefined, b: number | string | undefined): string => (Number(a) / Number(b)).toFixed(1);
console.log(`in memory: v1 full recompute / v2 update = ${ratio(rows[0]?.p50_ms, rows[1]?.p50_ms)}x`);
console.log(`replica (SQLite): v1 apply / v2 apply = ${ratio(rows[2]?.p50_ms, rows[3]?.p50_ms)}x`);
console.log(`snapshot bootstrap: LtHash recomputed / accumulator carried = ${ratio(rows[13]?.p50_ms, rows[15]?.p50_ms)}x`);
console.log(`longest event-loop block while a snapshot is written: one transaction / slices = ${ratio(rows[14]?.p50_ms, rows[17]?.p50_ms)}x`);
console.log(`longest event-loop block while a delta is written: one transaction / slices = ${ratio(rows[6]?.p50_ms, rows[10]?.p50_ms)}x (the matching core's target for a pause: 50 ms)`);
if (largeRows.length > 0) console.log(`at ${large} rows, longest event-loop block: one transaction / slices = ${ratio(largeRows[2]?.p50_ms, largeRows[6]?.p50_ms)}x`);
