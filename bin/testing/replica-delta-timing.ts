/**
 * The replica half of `npm run bench:digest` (bench/digest.ts), in its own
 * process because bench/ may not import client/: builds a SQLite replica of
 * --replica-n rows, then times Replica.applyDelta of --delta entry deltas
 * with a version 1 digest, a version 2 digest hashed inline, and the
 * syncer's path (prepareDelta, then applyDelta) with the longest event-loop
 * block seen; then a snapshot bootstrap of the same set with the LtHash
 * recomputed against the accumulator carried (PROTOCOL 8.4). Prints one
 * line: DIGEST_BENCH_ROWS <json rows>.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openReplicaDatabase } from '../../client/replica/database.ts';
import { Replica } from '../../client/replica/replica.ts';
import type { Delta } from '../../shared/wire/delta.ts';
import { groupsFromEntries } from '../../shared/wire/indicator-group.ts';
import { computeStateDigestV1, StateAccumulator } from '../../shared/wire/state-digest.ts';
import type { Snapshot } from '../../shared/wire/snapshot.ts';
import { lthashExpansions } from '../../shared/crypto/lthash.ts';
import { syntheticEntrySource } from '../../shared/wire/testing/synthetic-entries.ts';
import { timeSyncerPath } from './syncer-path-timing.ts';

const { values } = parseArgs({ options: { delta: { type: 'string', default: '10000' }, 'replica-n': { type: 'string', default: '200000' } } });
const deltaSize = Number(values.delta);
const replicaN = Number(values['replica-n']);
const { entryAt, synthetic } = syntheticEntrySource();
const ms = (us: number): number => Math.round(us / 10) / 100;
const rows: { case: string; p50_ms: number; max_ms: number }[] = [];

const dir = mkdtempSync(join(tmpdir(), 'hf-bench-digest-'));
try {
  const db = openReplicaDatabase(join(dir, 'replica.db'));
  const replica = new Replica(db);
  const held = [...synthetic(replicaN)].map((e) => ({ ...e, hash: Buffer.from(e.hash) }));
  const { groups, categories } = groupsFromEntries(held);
  const seeded = StateAccumulator.fromEntries(held);
  const snapshot: Snapshot = { feed: 'bench', version: 1, createdAt: Date.now(), categories, groups, stateDigest: seeded.digest(), stateDigestVersion: 2, entriesDigest: computeStateDigestV1(held), stateAccumulator: seeded.toBytes() };
  replica.replaceWithSnapshot(await replica.prepareSnapshot(snapshot));
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
  rows.push(...(await timeSyncerPath(replica, () => nextDelta(2))));

  // Snapshot bootstrap of the current set (PROTOCOL 8.4): the SHA-256 pass alone, LtHash recomputed, and the accumulator carried.
  const current = [...live.values()].sort((a, b) => a.id - b.id);
  const shape = groupsFromEntries(current);
  const bare: Snapshot = { feed: 'bench', version: ++version, createdAt: Date.now(), categories: shape.categories, groups: shape.groups, stateDigest: seeded.digest(), stateDigestVersion: 2 };
  const carried: Snapshot = { ...bare, version: ++version, entriesDigest: computeStateDigestV1(current), stateAccumulator: seeded.toBytes() };
  const once = async (run: () => unknown): Promise<number> => {
    const t0 = performance.now();
    await run();
    return (performance.now() - t0) * 1000;
  };
  const v1Pass = await once(() => computeStateDigestV1(current));
  // Baseline: the rows replaced in one transaction, as before.
  const wholeLoop = monitorEventLoopDelay({ resolution: 1 });
  wholeLoop.enable();
  const recompute = await once(async () => replica.replaceWithSnapshot(await replica.prepareSnapshot(bare)));
  await new Promise<void>((resolve) => setTimeout(resolve, 5));
  wholeLoop.disable();
  // The syncer's path: a shadow table written in slices, swapped in one short transaction.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const expansionsBefore = lthashExpansions();
  let checks = 0;
  const fast = await once(async () => {
    const t0 = performance.now();
    const prepared = await replica.prepareSnapshot(carried);
    checks = (performance.now() - t0) * 1000;
    await replica.replaceWithSnapshotInSlices(prepared);
  });
  const expansions = lthashExpansions() - expansionsBefore;
  await new Promise<void>((resolve) => setTimeout(resolve, 5));
  loop.disable();
  const one = (name: string, us: number): void => void rows.push({ case: name, p50_ms: ms(us), max_ms: ms(us) });
  one(`snapshot of ${current.length}: v1-style SHA-256 pass alone (in memory)`, v1Pass);
  one(`snapshot bootstrap, LtHash recomputed (no accumulator), one transaction`, recompute);
  one(`  longest event-loop block`, wholeLoop.max / 1e3);
  one(`snapshot bootstrap, accumulator carried (${expansions} expansions), in slices`, fast);
  one(`  of which prepareSnapshot (checks)`, checks);
  one(`  longest event-loop block`, loop.max / 1e3);
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`DIGEST_BENCH_ROWS ${JSON.stringify(rows)}`);
