import { ONLINE_PURPOSES } from '../server/keys/online-keys.ts';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportFeed } from '../server/export.ts';
import { findNginx, startNginx } from '../server/testing/nginx.ts';
import { openCentre } from '../server/centre.ts';
import { openDatabase } from '../server/store/database.ts';
import { Matcher } from '../client/match/matcher.ts';
import { openReplicaDatabase } from '../client/replica/database.ts';
import { Replica } from '../client/replica/replica.ts';
import { SyncError } from '../client/sync/errors.ts';
import { StateAccumulator } from '../shared/wire/state-digest.ts';
import { lthashExpansions } from '../shared/crypto/lthash.ts';
import { HttpFeedSource } from '../client/sync/feed-source.ts';
import type { FetchLike } from '../client/net/http.ts';
import { Syncer } from '../client/sync/syncer.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { pinnedStore, rotateCentreKeys } from './testing/centre-roots.ts';
import { feedAccessFor } from './testing/feed-access.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';

const dirs = tempDirs();
const pdq = (): string => randomBytes(32).toString('hex');
const realFetch: FetchLike = async (url, init) => {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: res.body };
};

type Tamper = (url: string, body: Uint8Array) => Uint8Array | AsyncIterable<Uint8Array>;

/** The network between sidecar and Centre, where an attacker (or a broken mirror) sits. */
function tamperingFetch(tamper: { current?: Tamper }): FetchLike {
  return async (url, init) => {
    const res = await fetch(url, init);
    if (tamper.current === undefined || res.status !== 200) return { status: res.status, headers: res.headers, body: res.body };
    const body = tamper.current(url, new Uint8Array(await res.arrayBuffer()));
    return { status: 200, headers: new Headers(), body: body instanceof Uint8Array ? once(body) : body };
  };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

interface Client {
  readonly db: ReturnType<typeof openReplicaDatabase>;
  readonly replica: Replica;
  readonly matcher: Matcher;
  readonly syncer: Syncer;
  readonly alerts: string[];
  readonly clock: { now: number };
}

/** A Syncer as a sidecar runs it: its own encryption key registered and approved, the access list fetched from the Centre each round (PROTOCOL 13.4). */
async function client(centre: LoopbackCentre, options: { fetch?: FetchLike; mode?: 'centre' | 'mirror'; baseUrl?: string; dataDir?: string } = {}): Promise<Client> {
  const db = openReplicaDatabase(join(options.dataDir ?? dirs.make('hf-e2e-replica-'), 'replica.db'));
  const replica = new Replica(db);
  const matcher = await Matcher.create(replica.entries());
  const alerts: string[] = [];
  const clock = { now: Date.now() };
  const source = new HttpFeedSource({ baseUrl: options.baseUrl ?? centre.url, mode: options.mode ?? 'centre', token: centre.tokens.provider, fetch: options.fetch ?? realFetch, limits: { snapshotBytes: 1 << 20, deltaBytes: 1 << 20 } });
  const access = await feedAccessFor(centre, db);
  const store = pinnedStore(replica, centre.rootKey, { alert: (code) => alerts.push(code), access: access.ring });
  const syncer = new Syncer({ source, replica, store, clock: () => clock.now, onApplied: (c) => matcher.apply(c), alert: (code) => alerts.push(code), checkAccess: access.checkAccess(store) });
  return { db, replica, matcher, syncer, alerts, clock };
}

async function syncError(c: Client): Promise<string> {
  try {
    await c.syncer.syncOnce();
  } catch (err) {
    if (err instanceof SyncError) return err.code;
    throw err;
  }
  return 'no error';
}

/** Takes a replica back to schema 4, what the code before root documents wrote: no trusted root, no feed-signer record. */
/** What replica migrations 5 (the root of trust), 6 (sliced deltas), 7 (decisions), 8 (the access list) and 9 (the delta undo log) added, removed: a schema-4 replica. */
const UNDO_MIGRATIONS_5_7 = `
  DROP TABLE delta_undo; DROP TABLE access_list;
  DROP TABLE decision_webhook_queue; DROP TABLE decisions; DROP TABLE decision_list;
  ALTER TABLE trusted_state DROP COLUMN applying_version;
  ALTER TABLE trusted_state DROP COLUMN root_envelope; ALTER TABLE trusted_state DROP COLUMN root_version;
  ALTER TABLE trusted_state DROP COLUMN root_pin; ALTER TABLE trusted_state DROP COLUMN snapshot_required;
  DROP TABLE feed_signers;`;

const matchesOf = (c: Client, hash: string): number => c.matcher.match([{ algorithm: 'pdq', hash: Buffer.from(hash, 'hex') }]).length;

describe('sidecar sync against a real Centre', () => {
  let centre: LoopbackCentre;
  afterEach(async () => {
    try {
      await stopLoopbackCentres();
    } finally {
      dirs.removeAll();
    }
  });

  describe('from an empty replica', () => {
    it('bootstraps, applies later deltas and removals, and matches what the Centre published', async () => {
      centre = await startLoopbackCentre();
      const [a, b, c] = [pdq(), pdq(), pdq()];
      await centre.publish([{ algorithm: 'pdq', hash: a }, { algorithm: 'md5', hash: randomBytes(16).toString('hex') }]);
      const sidecar = await client(centre);
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 1 });
      expect(matchesOf(sidecar, a)).toBe(1);

      await centre.publish([{ algorithm: 'pdq', hash: b }, { algorithm: 'pdq', hash: c }]);
      await centre.revokeAndPublish(a);
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 3, appliedDeltas: 2, snapshot: false });
      expect([matchesOf(sidecar, a), matchesOf(sidecar, b), matchesOf(sidecar, c)]).toEqual([0, 1, 1]);
      expect(sidecar.replica.size()).toBe(3);
    });
  });

  describe('when detection orders are registered and ended between rounds', () => {
    it('takes the order commitment leaves in its stride: the head grows, stays consistent, and deltas still prove their inclusion', async () => {
      centre = await startLoopbackCentre();
      const [a, b] = [pdq(), pdq()];
      await centre.publish([{ algorithm: 'pdq', hash: a }]);
      const operator = { authorization: `Bearer ${centre.tokens.operator}`, 'content-type': 'application/json' };
      const order = { orderId: 'SYNC-1', issuingAuthority: 'DE-BKA', legalReference: 'Test order', provider: 'example-host', surfaces: ['uploads'], targets: { users: ['alice'], groups: [], channels: [] }, notBefore: Date.now() - 1000, notAfter: Date.now() + 3_600_000 };
      expect((await fetch(`${centre.url}/v1/orders`, { method: 'POST', headers: operator, body: JSON.stringify(order) })).status).toBe(201);
      // Bootstrapping: the snapshot is proved against a head whose last leaf is the order's commitment.
      const sidecar = await client(centre);
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 1 });
      const head = (): number | undefined => sidecar.replica.state().checkpoint?.size;
      const afterFirst = head();

      expect((await fetch(`${centre.url}/v1/orders`, { method: 'POST', headers: operator, body: JSON.stringify({ ...order, orderId: 'SYNC-2' }) })).status).toBe(201);
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 1, appliedDeltas: 0 });
      expect(head()).toBe((afterFirst ?? 0) + 1);

      expect((await fetch(`${centre.url}/v1/orders/SYNC-1/end`, { method: 'POST', headers: operator, body: '{}' })).status).toBe(200);
      await centre.publish([{ algorithm: 'pdq', hash: b }]);
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 2, appliedDeltas: 1, snapshot: false });
      expect(head()).toBe((afterFirst ?? 0) + 4);
      expect([matchesOf(sidecar, a), matchesOf(sidecar, b)]).toEqual([1, 1]);
      expect(sidecar.alerts).toEqual([]);
    });
  });

  describe('when the replica was damaged locally', () => {
    it('notices the digest mismatch on the next delta and rebuilds from a snapshot', async () => {
      centre = await startLoopbackCentre();
      const [a, b] = [pdq(), pdq()];
      await centre.publish([{ algorithm: 'pdq', hash: a }, { algorithm: 'pdq', hash: b }]);
      const sidecar = await client(centre);
      await sidecar.syncer.syncOnce();
      sidecar.db.prepare('DELETE FROM indicators WHERE id = (SELECT min(id) FROM indicators)').run();
      const c = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: c }]);
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 2, snapshot: true });
      expect(sidecar.alerts).toContain('SYNC_DIGEST_MISMATCH');
      expect(sidecar.replica.size()).toBe(3);
      expect([matchesOf(sidecar, a), matchesOf(sidecar, b), matchesOf(sidecar, c)]).toEqual([1, 1, 1]);
    });
  });

  describe('the incremental state digest', () => {
    it('leaves the Centre and the replica with the same accumulator, equal to one recomputed from scratch on each side', async () => {
      centre = await startLoopbackCentre();
      const [a, b] = [pdq(), pdq()];
      await centre.publish([{ algorithm: 'pdq', hash: a }, { algorithm: 'md5', hash: randomBytes(16).toString('hex') }]);
      const sidecar = await client(centre);
      await sidecar.syncer.syncOnce();
      await centre.publish([{ algorithm: 'pdq', hash: b }, { algorithm: 'pdq', hash: pdq() }]);
      await centre.revokeAndPublish(a);
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 3, appliedDeltas: 2, snapshot: false });

      const replicaAccumulator = sidecar.db.prepare<[], { state_accumulator: Buffer }>('SELECT state_accumulator FROM trusted_state WHERE id = 1').get()?.state_accumulator;
      await centre.stop();
      const centreDb = openDatabase(join(centre.dataDir, 'centre.db'));
      try {
        const centreRow = centreDb.prepare<[], { version: number; lanes: Buffer }>('SELECT version, lanes FROM state_accumulator WHERE id = 1').get();
        const active = centreDb.prepare<[], { id: number; algorithm: string; hash: Buffer; category: string }>("SELECT id, algorithm, hash, category FROM indicators WHERE status = 'active' ORDER BY id").all();
        expect(centreRow?.version).toBe(3);
        expect(Buffer.from(replicaAccumulator ?? [])).toEqual(centreRow?.lanes);
        expect(Buffer.from(StateAccumulator.fromEntries(active).toBytes())).toEqual(centreRow?.lanes);
        expect(Buffer.from(StateAccumulator.fromEntries(sidecar.replica.entries()).toBytes())).toEqual(centreRow?.lanes);
        expect(Buffer.from(StateAccumulator.fromEntries(active).digest())).toEqual(Buffer.from(sidecar.replica.state().stateDigest ?? []));
      } finally {
        centreDb.close();
      }
    });

    it('lets a replica written by the previous code (schema 3, no accumulator) catch up by delta, without a snapshot', async () => {
      centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }, { algorithm: 'pdq', hash: pdq() }]);
      const dataDir = dirs.make('hf-e2e-old-replica-');
      const first = await client(centre, { dataDir });
      await first.syncer.syncOnce();
      // Take the replica back to what the previous code wrote: its schema, its rows, no accumulator.
      first.db.exec(`
        DROP TRIGGER indicators_journal_insert; DROP TRIGGER indicators_journal_delete; DROP TRIGGER indicators_journal_update;
        DROP TABLE indicator_journal;
        ALTER TABLE trusted_state DROP COLUMN state_accumulator; ALTER TABLE trusted_state DROP COLUMN journal_paused;
        ${UNDO_MIGRATIONS_5_7}
        PRAGMA user_version = 3;`);
      first.db.close();

      const c = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: c }]);
      const upgraded = await client(centre, { dataDir });
      try {
        expect(await upgraded.syncer.syncOnce()).toMatchObject({ version: 2, appliedDeltas: 1, snapshot: false });
        expect(upgraded.alerts).toEqual([]);
        expect([upgraded.replica.size(), matchesOf(upgraded, c), upgraded.replica.state().rootVersion]).toEqual([3, 1, 1]);
      } finally {
        upgraded.db.close();
      }
    });
  });

  describe('a replica written before root documents (schema 4, no trusted root)', () => {
    it('anchors from the pin on its next round and catches up by delta, never stuck', async () => {
      centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const dataDir = dirs.make('hf-e2e-old-replica-');
      const first = await client(centre, { dataDir });
      await first.syncer.syncOnce();
      first.db.exec(`${UNDO_MIGRATIONS_5_7} PRAGMA user_version = 4;`);
      expect(first.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM pragma_table_info('trusted_state') WHERE name LIKE 'root%'").get()?.n).toBe(0);
      first.db.close();

      const c = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: c }]);
      const upgraded = await client(centre, { dataDir });
      try {
        expect(upgraded.replica.state()).toMatchObject({ version: 1, rootVersion: null });
        expect(await upgraded.syncer.syncOnce()).toMatchObject({ version: 2, appliedDeltas: 1, snapshot: false });
        expect([upgraded.replica.state().rootVersion, matchesOf(upgraded, c)]).toEqual([1, 1]);
      } finally {
        upgraded.db.close();
      }
    });
  });

  describe('a snapshot carrying its accumulator (PROTOCOL 8.4)', () => {
    /** Ten entries then five removals, one version each: the deltas outweigh the snapshot, so an empty replica is advised one. Returns the version. */
    async function publishPastSnapshotAdvice(): Promise<number> {
      const hashes = Array.from({ length: 10 }, pdq);
      await centre.publish(hashes.map((hash) => ({ algorithm: 'pdq', hash })));
      let version = 1;
      for (const hash of hashes.slice(0, 5)) version = await centre.revokeAndPublish(hash);
      return version;
    }

    it('bootstraps an empty replica, checking the carried accumulator once per entry, then applies deltas incrementally', async () => {
      centre = await startLoopbackCentre();
      const version = await publishPastSnapshotAdvice();
      const sidecar = await client(centre);
      const before = lthashExpansions();
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version, appliedDeltas: 0, snapshot: true });
      expect([lthashExpansions() - before, sidecar.replica.size()]).toEqual([5, 5]);
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const beforeDelta = lthashExpansions();
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: version + 1, appliedDeltas: 1, snapshot: false });
      expect(lthashExpansions() - beforeDelta).toBe(1);
      expect(Buffer.from(StateAccumulator.fromEntries(sidecar.replica.entries()).digest())).toEqual(Buffer.from(sidecar.replica.state().stateDigest ?? []));
    });

    it('refuses a snapshot whose accumulator is not the sum of its entries, and bootstraps once the Centre is repaired', async () => {
      centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }, { algorithm: 'pdq', hash: pdq() }]);
      // A Centre fault (only the Centre can sign one): its stored accumulator is spoiled, so version 2's
      // delta and snapshot carry an accumulator that is not the sum of the entries.
      // The sidecar holds version 1 first: sealed deltas weigh more than the snapshot estimate, so an empty replica would be advised a snapshot.
      const sidecar = await client(centre);
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 1 });
      const centreDb = openDatabase(join(centre.dataDir, 'centre.db'));
      try {
        centreDb.prepare('UPDATE state_accumulator SET lanes = ? WHERE id = 1').run(randomBytes(2048));
        await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
        // Version 2's delta fails its digest, and so does its snapshot: the last good version keeps serving.
        await expect(sidecar.syncer.syncOnce()).rejects.toMatchObject({ code: 'SYNC_DIGEST_MISMATCH' });
        expect(sidecar.replica.state().version).toBe(1);
        // The fault is noticed and repaired on the Centre (its accumulator recomputed from the active set) ...
        centreDb.prepare('UPDATE state_accumulator SET version = 0 WHERE id = 1').run();
        const c = pdq();
        await centre.publish([{ algorithm: 'pdq', hash: c }]);
        // ... and the next snapshot is consistent and taken.
        expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 3, appliedDeltas: 0, snapshot: true });
        expect([sidecar.replica.size(), matchesOf(sidecar, c)]).toEqual([4, 1]);
        expect(Buffer.from(StateAccumulator.fromEntries(sidecar.replica.entries()).digest())).toEqual(Buffer.from(sidecar.replica.state().stateDigest ?? []));
      } finally {
        centreDb.close();
      }
    });

    it('refuses a snapshot whose accumulator was changed in transit (signature)', async () => {
      centre = await startLoopbackCentre();
      const version = await publishPastSnapshotAdvice();
      const tamper: { current?: Tamper } = {};
      const sidecar = await client(centre, { fetch: tamperingFetch(tamper) });
      // The snapshot is sealed (PROTOCOL 13.1): its accumulator travels inside the ciphertext, which the feed key's signature covers.
      const field = Buffer.from('ciphertext');
      let flipped = false;
      tamper.current = (url, body) => {
        if (!url.includes('/v1/feed/snapshot')) return body;
        const at = Buffer.from(body).indexOf(field);
        if (at < 0) return body;
        const copy = Uint8Array.from(body);
        // Past the key and the bin header: a byte of the ciphertext (the sealed snapshot, whose 2048 lanes make most of it).
        copy[at + field.length + 100] = (copy[at + field.length + 100] ?? 0) ^ 0x01;
        flipped = true;
        return copy;
      };
      expect(await syncError(sidecar)).toBe('SYNC_UNTRUSTED');
      expect([flipped, sidecar.replica.state().version]).toEqual([true, 0]);
      tamper.current = undefined;
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version, snapshot: true });
    });
  });

  describe('after the Centre rotates its online keys', () => {
    it('keeps syncing with only the pinned root', async () => {
      centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const sidecar = await client(centre);
      await sidecar.syncer.syncOnce();
      await centre.stop();
      const rotated = rotateCentreKeys(centre.dataDir, ONLINE_PURPOSES);
      centre = await centre.restart(Number(new URL(centre.url).port));
      const fresh = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: fresh }]);
      sidecar.clock.now = Date.now() - 60_000; // a client clock a minute behind the Centre's
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 2 });
      expect(matchesOf(sidecar, fresh)).toBe(1);
      expect([rotated.document.version, sidecar.replica.state().rootVersion]).toEqual([2, 2]);
    });
  });

  describe('when a byte of a delta is flipped in transit', () => {
    it('refuses it and keeps serving the last good version', async () => {
      centre = await startLoopbackCentre();
      const a = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: a }]);
      const tamper: { current?: Tamper } = {};
      const sidecar = await client(centre, { fetch: tamperingFetch(tamper) });
      await sidecar.syncer.syncOnce();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      tamper.current = (url, body) => {
        if (!url.includes('/v1/feed/deltas')) return body;
        const copy = Uint8Array.from(body);
        copy[copy.length - 40] = (copy[copy.length - 40] ?? 0) ^ 0x01;
        return copy;
      };
      expect(['SYNC_UNTRUSTED', 'SYNC_MALFORMED']).toContain(await syncError(sidecar));
      expect(sidecar.replica.state().version).toBe(1);
      expect(matchesOf(sidecar, a)).toBe(1);
      tamper.current = undefined;
      expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 2 });
    });
  });

  describe('when an older timestamp is replayed', () => {
    it('refuses the rollback', async () => {
      centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const oldTimestamp = new Uint8Array(await (await fetch(`${centre.url}/v1/feed/timestamp`, { headers: { authorization: `Bearer ${centre.tokens.provider}` } })).arrayBuffer());
      const oldCheckpoint = await (await fetch(`${centre.url}/v1/log/checkpoint`)).text();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const tamper: { current?: Tamper } = {};
      const sidecar = await client(centre, { fetch: tamperingFetch(tamper) });
      await sidecar.syncer.syncOnce();
      tamper.current = (url, body) => (url.endsWith('/v1/feed/timestamp') ? oldTimestamp : url.endsWith('/v1/log/checkpoint') ? new TextEncoder().encode(oldCheckpoint) : body);
      expect(await syncError(sidecar)).toBe('SYNC_ROLLBACK');
      expect(sidecar.replica.state().version).toBe(2);
    });
  });

  describe('when the timestamp has expired', () => {
    it('reports a freeze and keeps the replica', async () => {
      centre = await startLoopbackCentre();
      const a = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: a }]);
      const sidecar = await client(centre);
      await sidecar.syncer.syncOnce();
      sidecar.clock.now += 25 * 3600 * 1000;
      // The Centre keeps serving the timestamp it signed; the client's clock has moved past it.
      expect(await syncError(sidecar)).toBe('SYNC_FREEZE');
      expect(matchesOf(sidecar, a)).toBe(1);
    });
  });

  describe('when the Centre shows a history inconsistent with the one seen before', () => {
    it('refuses the split view', async () => {
      centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const sidecar = await client(centre);
      await sidecar.syncer.syncOnce();
      await centre.stop();
      // A fork of the same Centre (same keys, same version 1) that publishes a different version 2.
      const forkDir = dirs.make('hf-fork-');
      const { cpSync } = await import('node:fs');
      cpSync(centre.dataDir, forkDir, { recursive: true });
      const original = await centre.restart(Number(new URL(centre.url).port));
      await original.publish([{ algorithm: 'pdq', hash: pdq() }]);
      await sidecar.syncer.syncOnce();
      expect(sidecar.replica.state().version).toBe(2);
      await original.stop();
      centre = await startLoopbackCentre({}, 0, { dataDir: forkDir, rootKey: original.rootKey, tokens: { ...original.tokens } });
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const forked = await client(centre, { dataDir: undefined });
      expect(await forked.syncer.syncOnce()).toMatchObject({ version: 3 });
      // The same sidecar, pointed at the fork, must refuse it.
      const source = new HttpFeedSource({ baseUrl: centre.url, mode: 'centre', token: centre.tokens.provider, fetch: realFetch });
      const attacked = new Syncer({ source, replica: sidecar.replica, store: pinnedStore(sidecar.replica, centre.rootKey), clock: Date.now, onApplied: () => undefined, alert: () => undefined });
      await expect(attacked.syncOnce()).rejects.toMatchObject({ code: 'SYNC_SPLIT_VIEW' });
      expect(sidecar.replica.state().version).toBe(2);
    });
  });

  describe('when a response never ends', () => {
    it('abandons it at the size cap', async () => {
      centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const tamper: { current?: Tamper } = {
        current: (url, body) =>
          url.includes('/v1/feed/deltas')
            ? (async function* () {
                for (;;) yield new Uint8Array(64 * 1024);
              })()
            : body,
      };
      const sidecar = await client(centre, { fetch: tamperingFetch(tamper) });
      expect(await syncError(sidecar)).toBe('SYNC_TOO_LARGE');
      expect(sidecar.replica.state().version).toBe(0);
    });
  });

  describe.skipIf(findNginx() === null)('from a static mirror served by nginx', () => {
    it('syncs to the same state as from the Centre', async () => {
      centre = await startLoopbackCentre();
      const a = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: a }]);
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }, { algorithm: 'sha256', hash: randomBytes(32).toString('hex') }]);
      const out = dirs.make('hf-mirror-');
      await centre.stop();
      const offline = openCentre(centre.dataDir, Date.now(), {});
      exportFeed(offline, out, Date.now());
      offline.close();
      centre = await centre.restart(Number(new URL(centre.url).port));
      const mirror = await startNginx(findNginx() ?? 'nginx', out, dirs.make('hf-nginx-'));
      try {
        const sidecar = await client(centre, { baseUrl: mirror.url, mode: 'mirror' });
        expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 2 });
        expect(matchesOf(sidecar, a)).toBe(1);
        const direct = await client(centre);
        await direct.syncer.syncOnce();
        expect(Buffer.from(sidecar.replica.state().stateDigest ?? [])).toEqual(Buffer.from(direct.replica.state().stateDigest ?? []));
      } finally {
        await mirror.stop();
      }
    });
  });
});
