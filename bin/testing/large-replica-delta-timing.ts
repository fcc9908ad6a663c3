/**
 * `npm run bench:digest -- --large N`: the syncer's delta path on a SQLite
 * replica of N rows (10,000,000 by default there), in its own process
 * (bench/ may not import client/). The replica is filled by plain inserts
 * and given a random accumulator, as the in-memory case does: the
 * accumulator's value does not change what a delta costs, and computing the
 * real one for 10M entries would take minutes. Each delta removes
 * --delta/2 rows spread over the whole table and adds as many; its signed
 * digest is that accumulator updated with the delta, so the replica's
 * check passes exactly as with a real feed. Prints one line:
 * DIGEST_BENCH_ROWS <json rows>.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openReplicaDatabase } from '../../client/replica/database.ts';
import { Replica } from '../../client/replica/replica.ts';
import type { Delta } from '../../shared/wire/delta.ts';
import { groupsFromEntries } from '../../shared/wire/indicator-group.ts';
import { StateAccumulator } from '../../shared/wire/state-digest.ts';
import { syntheticEntrySource } from '../../shared/wire/testing/synthetic-entries.ts';
import { timeSyncerPath } from './syncer-path-timing.ts';

const { values } = parseArgs({ options: { delta: { type: 'string', default: '10000' }, 'replica-n': { type: 'string', default: '10000000' } } });
const deltaSize = Number(values.delta);
const replicaN = Number(values['replica-n']);
const { entryAt, synthetic } = syntheticEntrySource();

const dir = mkdtempSync(join(tmpdir(), 'hf-bench-digest-large-'));
try {
  const db = openReplicaDatabase(join(dir, 'replica.db'));
  const t0 = performance.now();
  // The replica's own bulk write, unjournalled as its snapshot writes are.
  db.prepare('UPDATE trusted_state SET journal_paused = 1 WHERE id = 1').run();
  const insert = db.prepare('INSERT INTO indicators (id, algorithm, hash, category) VALUES (?, ?, ?, ?)');
  const rows = synthetic(replicaN);
  for (let done = 0; done < replicaN; ) {
    db.transaction(() => {
      for (let i = 0; i < 200_000 && done < replicaN; i++, done++) {
        const e = rows.next().value;
        if (e !== undefined) insert.run(e.id, e.algorithm, e.hash, e.category);
      }
    })();
  }
  const accumulator = StateAccumulator.fromBytes(randomBytes(2048));
  db.prepare('UPDATE trusted_state SET journal_paused = 0, feed = ?, version = 1, state_digest = ?, state_accumulator = ? WHERE id = 1').run('bench', accumulator.digest(), accumulator.toBytes());
  const built = (performance.now() - t0) / 1000;
  const replica = new Replica(db);

  const removesPerDelta = Math.floor(deltaSize / 2);
  const stride = Math.floor(replicaN / removesPerDelta);
  let nextId = replicaN + 1;
  let version = 1;
  const nextDelta = (): Delta => {
    // Delta k removes ids k, k + stride, k + 2 stride, ...: spread over the table, never twice.
    const removeIds = Array.from({ length: removesPerDelta }, (_, j) => version + j * stride);
    for (const id of removeIds) accumulator.remove(entryAt(id));
    const added = Array.from({ length: deltaSize - removesPerDelta }, () => ({ ...entryAt(nextId++), hash: randomBytes(32) }));
    for (const e of added) accumulator.add(e);
    const g = groupsFromEntries(added);
    version++;
    return {
      feed: 'bench', version, previous: version - 1, createdAt: Date.now(), categories: g.categories, adds: g.groups,
      removes: { ids: Uint32Array.from(removeIds), reasons: new Uint8Array(removeIds.length) }, reasonCodes: ['BENCH'],
      stateDigest: accumulator.digest(), stateDigestVersion: 2,
    };
  };
  const timed = (await timeSyncerPath(replica, nextDelta)).map((row) => ({ ...row, case: row.case.replace('prepareDelta', `${deltaSize}-entry delta at ${replicaN} rows: prepareDelta`) }));
  console.error(`built a replica of ${replicaN} rows in ${built.toFixed(0)} s`);
  db.close();
  console.log(`DIGEST_BENCH_ROWS ${JSON.stringify(timed)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
