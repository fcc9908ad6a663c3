import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openMigratedDatabase } from '../../shared/sqlite/open.ts';
import { codeOf } from '../../shared/testing/code-of.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import type { Delta } from '../../shared/wire/delta.ts';
import { groupsFromEntries, type IndicatorEntry } from '../../shared/wire/indicator-group.ts';
import { lthashExpansions } from '../../shared/crypto/lthash.ts';
import type { Snapshot } from '../../shared/wire/snapshot.ts';
import { computeStateDigest, computeStateDigestV1, StateAccumulator, type StateDigestVersion } from '../../shared/wire/state-digest.ts';
import { openReplicaDatabase, type Db } from './database.ts';
import { REPLICA_MIGRATIONS } from './migrations.ts';
import { Replica } from './replica.ts';

const dirs = tempDirs();
const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  dirs.removeAll();
});

const entry = (id: number): IndicatorEntry => ({ id, algorithm: 'pdq', hash: randomBytes(32), category: 'A1' });
const byId = (a: IndicatorEntry, b: IndicatorEntry): number => a.id - b.id;

/** The delta from `held` (version `previous`) that removes `removeIds` and adds `adds`, with the digest of `digestVersion`. */
function deltaFrom(held: Map<number, IndicatorEntry>, previous: number, removeIds: number[], adds: IndicatorEntry[], digestVersion: StateDigestVersion): Delta {
  for (const id of removeIds) held.delete(id);
  for (const e of adds) held.set(e.id, e);
  const { groups, categories } = groupsFromEntries([...adds].sort(byId));
  return {
    feed: 'eu-centre',
    version: previous + 1,
    previous,
    createdAt: 1_790_000_000_000,
    categories,
    adds: groups,
    removes: { ids: Uint32Array.from(removeIds.sort((a, b) => a - b)), reasons: new Uint8Array(removeIds.length) },
    reasonCodes: ['WITHDRAWN'],
    stateDigest: computeStateDigest([...held.values()].sort(byId), digestVersion),
    ...(digestVersion === 2 ? { stateDigestVersion: 2 } : {}),
  };
}

function openReplica(path = join(dirs.make('hf-replica-'), 'replica.db')): { db: Db; replica: Replica; path: string } {
  const db = openReplicaDatabase(path);
  opened.push(db);
  return { db, replica: new Replica(db), path };
}

/** A version 2 snapshot of `held` as the Centre now writes it: entries digest and accumulator carried; `accumulator` overrides the carried one. */
function snapshotOf(held: Map<number, IndicatorEntry>, version: number, accumulator?: StateAccumulator): Snapshot {
  const all = [...held.values()].sort(byId);
  const { groups, categories } = groupsFromEntries(all);
  const carried = accumulator ?? StateAccumulator.fromEntries(all);
  return { feed: 'eu-centre', version, createdAt: 1_790_000_000_000, categories, groups, stateDigest: carried.digest(), stateDigestVersion: 2, entriesDigest: computeStateDigestV1(all), stateAccumulator: carried.toBytes() };
}

const storedAccumulator = (db: Db): Buffer | null => db.prepare<[], { state_accumulator: Buffer | null }>('SELECT state_accumulator FROM trusted_state WHERE id = 1').get()?.state_accumulator ?? null;

describe('Replica state digest', () => {
  describe('when deltas carry version 2 digests', () => {
    it('applies them and keeps an accumulator equal to the one recomputed from its rows', () => {
      const { db, replica } = openReplica();
      const held = new Map<number, IndicatorEntry>();
      replica.applyDelta(deltaFrom(held, 0, [], [1, 2, 3, 4].map(entry), 2));
      replica.applyDelta(deltaFrom(held, 1, [2, 4], [5, 6].map(entry), 2));
      replica.applyDelta(deltaFrom(held, 2, [1], [], 2));
      expect(replica.state().version).toBe(3);
      expect(Buffer.from(storedAccumulator(db) ?? [])).toEqual(Buffer.from(StateAccumulator.fromEntries(replica.entries()).toBytes()));
    });

    it('refuses a delta whose signed digest disagrees, and commits nothing', () => {
      const { replica } = openReplica();
      const held = new Map<number, IndicatorEntry>();
      replica.applyDelta(deltaFrom(held, 0, [], [1, 2].map(entry), 2));
      const wrong = { ...deltaFrom(new Map(held), 1, [], [entry(3)], 2), stateDigest: randomBytes(32) };
      expect(codeOf(() => replica.applyDelta(wrong))).toBe('REPLICA_DIGEST_MISMATCH');
      expect([replica.state().version, replica.size()]).toEqual([1, 2]);
    });
  });

  describe('when a delta is prepared before its transaction (the syncer\'s path)', () => {
    it('applies it with the same result as the inline path', async () => {
      const { db, replica } = openReplica();
      const held = new Map<number, IndicatorEntry>();
      replica.applyDelta(deltaFrom(held, 0, [], [1, 2, 3, 4].map(entry), 2));
      const delta = deltaFrom(held, 1, [1, 3], [5, 6, 7].map(entry), 2);
      replica.applyDelta(delta, await replica.prepareDelta(delta));
      expect([replica.state().version, replica.size()]).toEqual([2, 5]);
      expect(Buffer.from(storedAccumulator(db) ?? [])).toEqual(Buffer.from(StateAccumulator.fromEntries(replica.entries()).toBytes()));
    });

    it('refuses it if a removed row changed between preparing and applying', async () => {
      const { db, replica } = openReplica();
      const held = new Map<number, IndicatorEntry>();
      replica.applyDelta(deltaFrom(held, 0, [], [1, 2].map(entry), 2));
      const delta = deltaFrom(held, 1, [1], [entry(3)], 2);
      const prepared = await replica.prepareDelta(delta);
      db.prepare("UPDATE indicators SET category = 'B1' WHERE id = 1").run();
      expect(codeOf(() => replica.applyDelta(delta, prepared))).toBe('REPLICA_DIGEST_MISMATCH');
      expect(replica.state().version).toBe(1);
    });
  });

  describe('when a delta carries a version 1 digest (published before version 2)', () => {
    it('checks it by recomputing over every row, and the next version 2 delta applies incrementally', () => {
      const { replica } = openReplica();
      const held = new Map<number, IndicatorEntry>();
      replica.applyDelta(deltaFrom(held, 0, [], [1, 2, 3].map(entry), 1));
      replica.applyDelta(deltaFrom(held, 1, [2], [entry(4)], 1));
      replica.applyDelta(deltaFrom(held, 2, [3], [entry(5)], 2));
      expect(replica.state().version).toBe(3);
      const wrongV1 = { ...deltaFrom(new Map(held), 3, [], [entry(6)], 1), stateDigest: computeStateDigestV1([]) };
      expect(codeOf(() => replica.applyDelta(wrongV1))).toBe('REPLICA_DIGEST_MISMATCH');
    });
  });

  describe('when the indicators table was changed behind the replica', () => {
    it.each([
      ['a row deleted', 'DELETE FROM indicators WHERE id = 2'],
      ['a hash overwritten', "UPDATE indicators SET hash = zeroblob(32) WHERE id = 2"],
      ['a category changed', "UPDATE indicators SET category = 'B1' WHERE id = 2"],
      ['a row inserted', "INSERT INTO indicators (id, algorithm, hash, category) VALUES (99, 'pdq', zeroblob(32), 'A1')"],
    ])('fails the next delta that does not touch that row (%s)', (_name, damage) => {
      const { db, replica } = openReplica();
      const held = new Map<number, IndicatorEntry>();
      replica.applyDelta(deltaFrom(held, 0, [], [1, 2, 3].map(entry), 2));
      db.prepare(damage).run();
      expect(codeOf(() => replica.applyDelta(deltaFrom(held, 1, [3], [entry(4)], 2)))).toBe('REPLICA_DIGEST_MISMATCH');
    });

    it('recovers from a snapshot, which discards the journal', async () => {
      const { db, replica } = openReplica();
      const held = new Map<number, IndicatorEntry>();
      replica.applyDelta(deltaFrom(held, 0, [], [1, 2, 3].map(entry), 2));
      db.prepare('DELETE FROM indicators WHERE id = 2').run();
      const all = [...held.values()].sort(byId);
      const { groups, categories } = groupsFromEntries(all);
      const snapshot: Snapshot = { feed: 'eu-centre', version: 1, createdAt: 1_790_000_000_000, categories, groups, stateDigest: computeStateDigest(all), stateDigestVersion: 2 };
      replica.replaceWithSnapshot(await replica.prepareSnapshot(snapshot));
      expect(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM indicator_journal').get()?.n).toBe(0);
      replica.applyDelta(deltaFrom(held, 1, [3], [entry(4)], 2));
      expect(replica.state().version).toBe(2);
    });
  });

  describe('when the replica was written by the previous code (schema 3, no accumulator)', () => {
    it('migrates on open, computes the accumulator once, and applies the next version 2 delta', () => {
      const path = join(dirs.make('hf-replica-old-'), 'replica.db');
      const held = new Map<number, IndicatorEntry>([1, 2, 3].map((id) => [id, entry(id)]));
      // What the previous Replica left after applying version 7: rows, version, the version 1 digest.
      const old = openMigratedDatabase(path, REPLICA_MIGRATIONS.slice(0, 3), 'replica database');
      const insert = old.prepare('INSERT INTO indicators (id, algorithm, hash, category) VALUES (?, ?, ?, ?)');
      for (const e of held.values()) insert.run(e.id, e.algorithm, e.hash, e.category);
      old.prepare('UPDATE trusted_state SET feed = ?, version = ?, state_digest = ? WHERE id = 1').run('eu-centre', 7, computeStateDigestV1([...held.values()]));
      old.close();

      const { db, replica } = openReplica(path);
      expect(storedAccumulator(db)).toBeNull();
      replica.applyDelta(deltaFrom(held, 7, [1], [entry(8)], 2));
      expect(replica.state().version).toBe(8);
      expect(Buffer.from(storedAccumulator(db) ?? [])).toEqual(Buffer.from(StateAccumulator.fromEntries(replica.entries()).toBytes()));
    });
  });

  describe('when a version 2 snapshot carries its accumulator', () => {
    it('checks the carried accumulator against its entries (one expansion each), then applies the next delta incrementally', async () => {
      const { db, replica } = openReplica();
      const held = new Map<number, IndicatorEntry>(Array.from({ length: 500 }, (_, i) => [i + 1, entry(i + 1)]));
      const snapshot = snapshotOf(held, 4);
      const before = lthashExpansions();
      replica.replaceWithSnapshot(await replica.prepareSnapshot(snapshot));
      expect(lthashExpansions() - before).toBe(500);
      expect([replica.state().version, replica.size()]).toEqual([4, 500]);
      expect(Buffer.from(storedAccumulator(db) ?? [])).toEqual(Buffer.from(snapshot.stateAccumulator ?? []));

      const delta = deltaFrom(held, 4, [7], [entry(501)], 2);
      const beforeDelta = lthashExpansions();
      replica.applyDelta(delta, await replica.prepareDelta(delta));
      expect(lthashExpansions() - beforeDelta).toBe(2);
      expect(replica.state().version).toBe(5);
      expect(Buffer.from(storedAccumulator(db) ?? [])).toEqual(Buffer.from(StateAccumulator.fromEntries(replica.entries()).toBytes()));
    });

    it.each([
      ['an accumulator that does not hash to stateDigest', (s: Snapshot): Snapshot => ({ ...s, stateAccumulator: new Uint8Array(2048) })],
      ['an entries digest that does not match the entries', (s: Snapshot): Snapshot => ({ ...s, entriesDigest: computeStateDigestV1([]) })],
    ])('refuses %s and commits nothing', async (_name, spoil) => {
      const { replica } = openReplica();
      const snapshot = spoil(snapshotOf(new Map([1, 2, 3].map((id) => [id, entry(id)])), 2));
      await expect(replica.prepareSnapshot(snapshot)).rejects.toMatchObject({ code: 'REPLICA_DIGEST_MISMATCH' });
      expect([replica.state().version, replica.size()]).toEqual([0, 0]);
    });

    it.each([
      // What only the Centre could sign: the right entries with the accumulator of other ones ...
      ['the accumulator of other entries', (held: Map<number, IndicatorEntry>) => snapshotOf(held, 1, StateAccumulator.fromEntries([entry(1)]))],
      // ... or other entries beside its true accumulator, which every later delta would agree with.
      ['entries other than those its accumulator sums', (held: Map<number, IndicatorEntry>) => snapshotOf(new Map([...held].filter(([id]) => id !== 3)), 1, StateAccumulator.fromEntries([...held.values()]))],
    ])('refuses a snapshot carrying %s, commits nothing, and takes a good one after', async (_name, inconsistent) => {
      const { replica } = openReplica();
      const held = new Map<number, IndicatorEntry>([1, 2, 3].map((id) => [id, entry(id)]));
      await expect(replica.prepareSnapshot(inconsistent(held))).rejects.toMatchObject({ code: 'REPLICA_DIGEST_MISMATCH' });
      expect([replica.state().version, replica.size()]).toEqual([0, 0]);
      replica.replaceWithSnapshot(await replica.prepareSnapshot(snapshotOf(held, 2)));
      replica.applyDelta(deltaFrom(held, 2, [1], [entry(5)], 2));
      expect([replica.state().version, replica.size()]).toEqual([3, 3]);
    });
  });

  describe('when a snapshot carries no accumulator (version 1, or version 2 before the field)', () => {
    it.each([1, 2] as const)('recomputes the accumulator from its entries (version %i)', async (digestVersion) => {
      const { db, replica } = openReplica();
      const held = new Map<number, IndicatorEntry>([1, 2, 3].map((id) => [id, entry(id)]));
      const all = [...held.values()].sort(byId);
      const { groups, categories } = groupsFromEntries(all);
      const snapshot: Snapshot = { feed: 'eu-centre', version: 3, createdAt: 1_790_000_000_000, categories, groups, stateDigest: computeStateDigest(all, digestVersion), stateDigestVersion: digestVersion };
      const before = lthashExpansions();
      replica.replaceWithSnapshot(await replica.prepareSnapshot(snapshot));
      expect(lthashExpansions() - before).toBe(3);
      expect(Buffer.from(storedAccumulator(db) ?? [])).toEqual(Buffer.from(StateAccumulator.fromEntries(all).toBytes()));
      replica.applyDelta(deltaFrom(held, 3, [2], [], 2));
      expect(replica.state().version).toBe(4);
    });
  });

  describe('when the syncer writes a delta in slices', () => {
    const rowsOf = (replica: Replica): string[] => [...replica.entries()].map((e) => `${e.id}:${e.category}:${Buffer.from(e.hash).toString('hex')}`);

    it('yields to the event loop between slices and ends where one transaction would', async () => {
      const sliced = openReplica();
      const whole = openReplica();
      const held = new Map<number, IndicatorEntry>();
      const first = deltaFrom(held, 0, [], Array.from({ length: 20 }, (_, i) => entry(i + 1)), 2);
      for (const { replica } of [sliced, whole]) replica.applyDelta(first);
      const second = deltaFrom(held, 1, [2, 3, 5, 7, 11, 13], [21, 22, 23, 24, 25].map(entry), 2);

      const prepared = await sliced.replica.prepareDelta(second);
      let writing = true;
      let turns = 0;
      const otherWork = (async () => {
        while (writing) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          turns++;
        }
      })();
      const change = await sliced.replica.applyDeltaInSlices(prepared, { sliceRows: 2 });
      writing = false;
      await otherWork;
      whole.replica.applyDelta(second);

      // 3 slices of removes and 3 of adds: other work ran between them.
      expect(turns).toBeGreaterThanOrEqual(6);
      expect(change).toMatchObject({ version: 2, replaced: false, removes: [2, 3, 5, 7, 11, 13] });
      expect(rowsOf(sliced.replica)).toEqual(rowsOf(whole.replica));
      expect(sliced.replica.state().version).toBe(2);
      expect(Buffer.from(storedAccumulator(sliced.db) ?? [])).toEqual(Buffer.from(storedAccumulator(whole.db) ?? []));
    });

    it('checks the signed digest before writing any row', async () => {
      const { db, replica } = openReplica();
      const held = new Map<number, IndicatorEntry>();
      replica.applyDelta(deltaFrom(held, 0, [], [1, 2, 3, 4].map(entry), 2));
      const before = rowsOf(replica);
      const wrong = { ...deltaFrom(new Map(held), 1, [1], [entry(9)], 2), stateDigest: new Uint8Array(32) };
      await expect(replica.applyDeltaInSlices(await replica.prepareDelta(wrong), { sliceRows: 1 })).rejects.toMatchObject({ code: 'REPLICA_DIGEST_MISMATCH' });
      expect(rowsOf(replica)).toEqual(before);
      expect(replica.state().version).toBe(1);
      expect(db.prepare<[], { v: number | null }>('SELECT applying_version AS v FROM trusted_state').get()?.v).toBeNull();
    });

    it('after a crash between slices, is found at the previous version on reopen, whole, and applies the delta again', async () => {
      const path = join(dirs.make('hf-replica-crash-'), 'replica.db');
      const held = new Map<number, IndicatorEntry>();
      const first = openReplicaDatabase(path);
      const replica = new Replica(first);
      replica.applyDelta(deltaFrom(held, 0, [], Array.from({ length: 10 }, (_, i) => entry(i + 1)), 2));
      const version1 = rowsOf(replica);
      const digest1 = Buffer.from(replica.state().stateDigest ?? []);
      const delta = deltaFrom(held, 1, [1, 2, 3, 4], [11, 12, 13, 14].map(entry), 2);
      const prepared = await replica.prepareDelta(delta);
      // The process dies after the first slice: the database closes under the writer.
      setImmediate(() => setImmediate(() => first.close()));
      await expect(replica.applyDeltaInSlices(prepared, { sliceRows: 1 })).rejects.toThrow();

      // The half-written delta is rolled back on open: the rows are version 1's again, and its digest holds (chaos: sidecar-apply).
      const { db, replica: reopened } = openReplica(path);
      expect(reopened.state().version).toBe(1);
      expect(db.prepare<[], { v: number | null }>('SELECT applying_version AS v FROM trusted_state').get()?.v).toBeNull();
      expect(rowsOf(reopened)).toEqual(version1);
      expect(Buffer.from(computeStateDigest(reopened.entries(), 2))).toEqual(digest1);

      await reopened.applyDeltaInSlices(await reopened.prepareDelta(delta), { sliceRows: 1 });
      expect(reopened.state().version).toBe(2);
      expect(Buffer.from(storedAccumulator(db) ?? [])).toEqual(Buffer.from(StateAccumulator.fromEntries(reopened.entries()).toBytes()));
      const next = deltaFrom(held, 2, [5], [entry(15)], 2);
      await reopened.applyDeltaInSlices(await reopened.prepareDelta(next), { sliceRows: 1 });
      expect(reopened.state().version).toBe(3);
      expect(Buffer.from(storedAccumulator(db) ?? [])).toEqual(Buffer.from(StateAccumulator.fromEntries(reopened.entries()).toBytes()));
    });
  });

  describe('when the syncer replaces the replica with a snapshot in slices', () => {
    const tables = (db: Db): string[] =>
      db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND (name LIKE 'indicator%') ORDER BY name").all().map((r) => r.name);
    const rowsOf = (replica: Replica): string[] => [...replica.entries()].map((e) => `${e.id}:${e.category}:${Buffer.from(e.hash).toString('hex')}`);

    it('builds aside while other work runs, swaps in one step, and leaves one table with its index and journal triggers', async () => {
      const sliced = openReplica();
      const whole = openReplica();
      const held = new Map<number, IndicatorEntry>(Array.from({ length: 30 }, (_, i) => [i + 1, entry(i + 1)]));
      for (const { replica } of [sliced, whole]) replica.applyDelta(deltaFrom(new Map(), 0, [], [entry(100)], 2));
      const snapshot = snapshotOf(held, 5);
      const prepared = await sliced.replica.prepareSnapshot(snapshot);
      let writing = true;
      let turns = 0;
      const otherWork = (async () => {
        while (writing) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          // Until the swap, readers see the old rows whole.
          if (writing && sliced.replica.state().version === 1) expect(sliced.replica.size()).toBe(1);
          turns++;
        }
      })();
      const change = await sliced.replica.replaceWithSnapshotInSlices(prepared, { sliceRows: 4 });
      writing = false;
      await otherWork;
      whole.replica.replaceWithSnapshot(await whole.replica.prepareSnapshot(snapshot));

      expect(turns).toBeGreaterThanOrEqual(8);
      expect(change).toMatchObject({ version: 5, replaced: true });
      expect(rowsOf(sliced.replica)).toEqual(rowsOf(whole.replica));
      expect(Buffer.from(storedAccumulator(sliced.db) ?? [])).toEqual(Buffer.from(storedAccumulator(whole.db) ?? []));
      expect(tables(sliced.db)).toEqual(['indicator_journal', 'indicators', 'indicators_journal_delete', 'indicators_journal_insert', 'indicators_journal_update']);
      const indexes = sliced.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'indicators' AND sql IS NOT NULL").get()?.n;
      expect(indexes).toBe(1);

      // The journal still sees writes the replica did not make, so damage still fails the next digest.
      sliced.db.prepare('DELETE FROM indicators WHERE id = 2').run();
      expect(codeOf(() => sliced.replica.applyDelta(deltaFrom(held, 5, [3], [entry(31)], 2)))).toBe('REPLICA_DIGEST_MISMATCH');
    });

    it('after a crash while building, keeps the old rows and version, and the next replacement discards the half-built table', async () => {
      const path = join(dirs.make('hf-replica-shadow-'), 'replica.db');
      const first = openReplicaDatabase(path);
      const replica = new Replica(first);
      const old = new Map<number, IndicatorEntry>();
      replica.applyDelta(deltaFrom(old, 0, [], [1, 2, 3].map(entry), 2));
      const held = new Map<number, IndicatorEntry>(Array.from({ length: 40 }, (_, i) => [i + 10, entry(i + 10)]));
      const prepared = await replica.prepareSnapshot(snapshotOf(held, 9));
      setImmediate(() => setImmediate(() => setImmediate(() => first.close())));
      await expect(replica.replaceWithSnapshotInSlices(prepared, { sliceRows: 4 })).rejects.toThrow();

      const { db, replica: reopened } = openReplica(path);
      expect(reopened.state().version).toBe(1);
      expect([...reopened.entries()].map((e) => e.id)).toEqual([1, 2, 3]);
      expect(tables(db)).toContain('indicators_next');
      // A delta still applies to the old table meanwhile.
      await reopened.applyDeltaInSlices(await reopened.prepareDelta(deltaFrom(old, 1, [1], [entry(4)], 2)));
      expect(tables(db)).not.toContain('indicators_next');
      await reopened.replaceWithSnapshotInSlices(await reopened.prepareSnapshot(snapshotOf(held, 9)), { sliceRows: 7 });
      expect([reopened.state().version, reopened.size()]).toEqual([9, 40]);
      expect(tables(db).filter((name) => !name.startsWith('indicators_journal'))).toEqual(['indicator_journal', 'indicators']);
    });
  });
});
