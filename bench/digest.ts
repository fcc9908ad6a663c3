/**
 * npm run bench:digest [-- --n 10000000 --delta 10000 --replica-n 200000]
 *
 * The state digest per delta (docs/PROTOCOL.md 8.4), old against new in one
 * process:
 *  1. in memory at --n entries: version 1 recomputed over the whole set (what
 *     every delta cost before; entries are synthesised on the fly, so the
 *     SQLite read the real path adds is not even counted) against the
 *     version 2 accumulator updated with a --delta entry delta (half
 *     removes, half adds), read from and written back to its 2048 bytes;
 *  2. the real replica path on a SQLite file of --replica-n rows:
 *     Replica.applyDelta of a --delta delta with a version 1 digest, with a
 *     version 2 digest hashed inline, and the syncer's path (prepareDelta,
 *     hashing in slices that yield, then applyDelta); for that last one the
 *     longest event-loop block seen (monitorEventLoopDelay) is the pause a
 *     scan served by the same process could see.
 * The cost of case 1's update does not depend on --n; case 2's only through
 * the B-tree depth.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { printTable, time } from './harness.ts';
import { openReplicaDatabase } from '../client/replica/database.ts';
import { Replica } from '../client/replica/replica.ts';
import { groupsFromEntries, type IndicatorEntry } from '../shared/wire/indicator-group.ts';
import { computeStateDigestV1, StateAccumulator } from '../shared/wire/state-digest.ts';
import type { Delta } from '../shared/wire/delta.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '10000000' }, delta: { type: 'string', default: '10000' }, 'replica-n': { type: 'string', default: '200000' } } });
const n = Number(values.n);
const deltaSize = Number(values.delta);
const replicaN = Number(values['replica-n']);
if (![n, deltaSize, replicaN].every((v) => Number.isInteger(v) && v >= 2) || deltaSize > n || deltaSize > replicaN) {
  console.error('usage: npm run bench:digest -- [--n 10000000] [--delta 10000] [--replica-n 200000]');
  process.exit(2);
}

const pattern = randomBytes(32);
/** Entry `id` of the synthetic set: a PDQ-sized hash that differs per id, built without allocation per call. */
function entryAt(id: number, hash = Buffer.from(pattern)): IndicatorEntry {
  hash.writeUInt32BE(id, 0);
  return { id, algorithm: 'pdq', hash, category: id % 3 === 0 ? 'B1' : 'A1' };
}
function* synthetic(count: number, shared = Buffer.from(pattern)): Generator<IndicatorEntry> {
  for (let id = 1; id <= count; id++) yield entryAt(id, shared);
}

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

// 2. The replica's real path on SQLite.
const dir = mkdtempSync(join(tmpdir(), 'hf-bench-digest-'));
try {
  const db = openReplicaDatabase(join(dir, 'replica.db'));
  const replica = new Replica(db);
  const held = [...synthetic(replicaN)].map((e) => ({ ...e, hash: Buffer.from(e.hash) }));
  const { groups, categories } = groupsFromEntries(held);
  const seeded = StateAccumulator.fromEntries(held);
  replica.replaceWithSnapshot({ feed: 'bench', version: 1, createdAt: Date.now(), categories, groups, stateDigest: seeded.digest(), stateDigestVersion: 2 });
  const live = new Map(held.map((e) => [e.id, e]));
  let nextId = replicaN + 1;
  let version = 1;
  const nextDelta = (digestVersion: 1 | 2): Delta => {
    const removeIds = [...live.keys()].filter((_, i) => i % Math.floor(live.size / (deltaSize / 2)) === 0).slice(0, deltaSize / 2);
    const added = Array.from({ length: deltaSize - removeIds.length }, () => ({ ...entryAt(nextId++), hash: randomBytes(32) }));
    for (const id of removeIds) {
      const e = live.get(id);
      if (e !== undefined) seeded.remove(e);
      live.delete(id);
    }
    for (const e of added) {
      live.set(e.id, e);
      seeded.add(e);
    }
    const g = groupsFromEntries(added);
    const stateDigest = digestVersion === 1 ? computeStateDigestV1([...live.values()].sort((a, b) => a.id - b.id)) : seeded.digest();
    version++;
    return {
      feed: 'bench', version, previous: version - 1, createdAt: Date.now(), categories: g.categories, adds: g.groups,
      removes: { ids: Uint32Array.from(removeIds.sort((a, b) => a - b)), reasons: new Uint8Array(removeIds.length) }, reasonCodes: ['BENCH'],
      stateDigest, ...(digestVersion === 2 ? { stateDigestVersion: 2 as const } : {}),
    };
  };
  for (const digestVersion of [1, 2] as const) {
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      const delta = nextDelta(digestVersion);
      const t0 = performance.now();
      replica.applyDelta(delta);
      samples.push((performance.now() - t0) * 1000);
    }
    samples.sort((a, b) => a - b);
    rows.push({ case: `replica.applyDelta v${digestVersion} inline, ${deltaSize}-entry delta at ${replicaN} rows (SQLite)`, p50_ms: ms(samples[1] ?? 0), max_ms: ms(samples[2] ?? 0) });
  }
  const totals: number[] = [];
  const applies: number[] = [];
  const blocks: number[] = [];
  for (let i = 0; i < 3; i++) {
    const delta = nextDelta(2);
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const t0 = performance.now();
    const prepared = await replica.prepareDelta(delta);
    const t1 = performance.now();
    replica.applyDelta(delta, prepared);
    const t2 = performance.now();
    // One more turn so that the histogram records the block applyDelta caused.
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
    loop.disable();
    totals.push((t2 - t0) * 1000);
    applies.push((t2 - t1) * 1000);
    blocks.push(Math.max(loop.max / 1000, (t2 - t1) * 1000));
  }
  for (const list of [totals, applies, blocks]) list.sort((a, b) => a - b);
  rows.push({ case: `prepareDelta + applyDelta v2 (syncer path), total`, p50_ms: ms(totals[1] ?? 0), max_ms: ms(totals[2] ?? 0) });
  rows.push({ case: `  of which applyDelta (write transaction)`, p50_ms: ms(applies[1] ?? 0), max_ms: ms(applies[2] ?? 0) });
  rows.push({ case: `  longest event-loop block`, p50_ms: ms(blocks[1] ?? 0), max_ms: ms(blocks[2] ?? 0) });
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

printTable(rows);
const ratio = (a: number | string | undefined, b: number | string | undefined): string => (Number(a) / Number(b)).toFixed(0);
console.log(`in memory: v1 full recompute / v2 update = ${ratio(rows[0]?.p50_ms, rows[1]?.p50_ms)}x`);
console.log(`replica (SQLite): v1 apply / v2 apply = ${ratio(rows[2]?.p50_ms, rows[3]?.p50_ms)}x`);
