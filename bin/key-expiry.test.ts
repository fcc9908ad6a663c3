import { ONLINE_PURPOSES } from '../server/keys/online-keys.ts';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCentre } from '../server/centre.ts';
import { exportFeed } from '../server/export.ts';
import { onlineKeyPath } from '../server/keys/online-keys.ts';
import { encodeEnvelope, readPrivateKeyFile, signEnvelope } from '../shared/crypto/index.ts';
import { encodeDelta } from '../shared/wire/delta.ts';
import { SEALED_DELTA_PAYLOAD_TYPE, sealFeedObject } from '../shared/seal/index.ts';
import { groupsFromEntries } from '../shared/wire/indicator-group.ts';
import { Matcher } from '../client/match/matcher.ts';
import { openReplicaDatabase } from '../client/replica/database.ts';
import { Replica } from '../client/replica/replica.ts';
import { SyncError } from '../client/sync/errors.ts';
import { HttpFeedSource, type DeltaBatch } from '../client/sync/feed-source.ts';
import type { FetchLike } from '../client/net/http.ts';
import { Syncer } from '../client/sync/syncer.ts';
import { fetchAccess } from '../client/sync/fetch-access.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { currentRoot, pinnedStore, rotateCentreKeys } from './testing/centre-roots.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
import { startStaticMirror, type StaticMirror } from './testing/static-mirror.ts';
import { feedAccessFor } from './testing/feed-access.ts';

const DAY_MS = 86_400_000;
/** The first signing key is certified for this many days; the rotation happens before, the sync after. */
const FIRST_KEY_DAYS = 30;
const ROTATION_DAY = 20;
const SYNC_DAY = 40;

const dirs = tempDirs();
const pdq = (): string => randomBytes(32).toString('hex');
const realFetch: FetchLike = async (url, init) => {
  // A pooled keep-alive socket may still point at the Centre before its restart: one retry.
  const res = await fetch(url, init).catch(() => fetch(url, init));
  return { status: res.status, headers: res.headers, body: res.body };
};

/** Fifty more entries, so that the Centre advises deltas rather than a snapshot to a replica a version or two behind (a sealed delta carries some 500 bytes of header, signature and tag). */
const bulk = (): { algorithm: string; hash: string }[] => Array.from({ length: 50 }, () => ({ algorithm: 'pdq', hash: pdq() }));

/** Replaces every delta envelope the Centre sends with what `forge` makes of it (an attacker on the path). */
class ForgingSource extends HttpFeedSource {
  forge: ((envelope: Uint8Array) => Uint8Array) | undefined;

  override async deltas(since: number, latest: number): Promise<DeltaBatch> {
    const batch = await super.deltas(since, latest);
    const forge = this.forge;
    return forge === undefined ? batch : { ...batch, envelopes: batch.envelopes.map((envelope) => forge(envelope)) };
  }
}

interface Sidecar {
  readonly replica: Replica;
  readonly matcher: Matcher;
  readonly syncer: Syncer;
  readonly source: ForgingSource;
  readonly clock: { now: number };
}

async function sidecar(centre: LoopbackCentre, now: number, mirror?: StaticMirror): Promise<Sidecar> {
  const db = openReplicaDatabase(join(dirs.make('hf-expiry-replica-'), 'replica.db'));
  const replica = new Replica(db);
  const matcher = await Matcher.create(replica.entries());
  const clock = { now };
  const source = new ForgingSource(
    mirror === undefined ? { baseUrl: centre.url, mode: 'centre', token: centre.tokens.provider, fetch: realFetch } : { baseUrl: mirror.url, mode: 'mirror', fetch: realFetch },
  );
  // Its encryption key registered and approved; each round fetches the access list from the Centre (a mirror never serves it), judged at the sidecar's clock.
  // A pooled keep-alive socket may still point at the Centre before its restart: one retry.
  const access = await feedAccessFor(centre, db).catch(() => feedAccessFor(centre, db));
  const store = pinnedStore(replica, centre.rootKey, { access: access.ring });
  const checkAccess = async (): Promise<string | null> => {
    await fetchAccess({ baseUrl: centre.url, token: centre.tokens.provider, fetch: realFetch, store, now: clock.now });
    return access.ring.noAccessReason();
  };
  const syncer = new Syncer({ source, replica, store, clock: () => clock.now, onApplied: (c) => matcher.apply(c), alert: () => {}, checkAccess });
  return { replica, matcher, syncer, source, clock };
}

async function syncError(s: Sidecar): Promise<SyncError | undefined> {
  try {
    await s.syncer.syncOnce();
  } catch (err) {
    if (err instanceof SyncError) return err;
    throw err;
  }
  return undefined;
}

const matchesOf = (s: Sidecar, hash: string): number => s.matcher.match([{ algorithm: 'pdq', hash: Buffer.from(hash, 'hex') }]).length;

/**
 * The Centre's clock moves: it publishes with its first keys, root version
 * 2 lists fresh keys for every purpose on day 20 (the Centre restarts with
 * them), and the first keys expire on day 30.
 */
async function rotateOnDay(centre: LoopbackCentre, time: { now: number }, start: number): Promise<LoopbackCentre> {
  await centre.stop();
  time.now = start + ROTATION_DAY * DAY_MS;
  rotateCentreKeys(centre.dataDir, ONLINE_PURPOSES, time.now);
  return centre.restart(Number(new URL(centre.url).port));
}

/**
 * A delta for version 2 on top of version 1, sealed under the current epoch's
 * key (the thief also holds an epoch key, as any entitled provider does) and
 * signed by the first (expired) feed key, which the Centre never logged.
 */
function forgedDelta(centre: LoopbackCentre, createdAt: number, hash: string): Uint8Array {
  const first = currentRoot(centre.dataDir).document.keys.find((k) => k.purpose === 'feed');
  if (first === undefined) throw new Error('no feed key');
  const firstKey = readPrivateKeyFile(onlineKeyPath(centre.dataDir, 'feed', first.verifierKey.keyIdHex));
  const { groups, categories } = groupsFromEntries([{ id: 9_000, algorithm: 'pdq', hash: Buffer.from(hash, 'hex'), category: 'A1' }]);
  const payload = encodeDelta({
    feed: 'eu-centre',
    version: 2,
    previous: 1,
    createdAt,
    categories,
    adds: groups,
    removes: { ids: new Uint32Array(), reasons: new Uint8Array() },
    reasonCodes: [],
    stateDigest: new Uint8Array(32),
  });
  const epoch = centre.running.centre.epochs.current();
  const epochKey = epoch === undefined ? undefined : centre.running.centre.epochs.keyOf(epoch.epoch);
  if (epoch === undefined || epochKey === undefined) throw new Error('the Centre has no readable epoch');
  const sealed = sealFeedObject('delta', { feed: 'eu-centre', version: 2, previous: 1, createdAt, epoch: epoch.epoch, keyCommitment: epoch.keyCommitment }, epochKey, payload);
  return encodeEnvelope(signEnvelope(SEALED_DELTA_PAYLOAD_TYPE, sealed, [firstKey]));
}

describe('sidecar sync after a key rotation and the old keys\' expiry', () => {
  let mirror: StaticMirror | undefined;
  afterEach(async () => {
    try {
      await mirror?.stop();
      mirror = undefined;
      await stopLoopbackCentres();
    } finally {
      dirs.removeAll();
    }
  });

  const start = Date.now();
  const startCentre = async (time: { now: number }): Promise<LoopbackCentre> => {
    time.now = start;
    return startLoopbackCentre({ signingKeyValidityDays: FIRST_KEY_DAYS }, 0, undefined, () => time.now);
  };

  describe('when a fresh sidecar bootstraps from a snapshot signed by the expired key', () => {
    it('accepts the snapshot because the log recorded it while that key was valid', async () => {
      const time = { now: start };
      let centre = await startCentre(time);
      const hashes = Array.from({ length: 12 }, pdq);
      // Enough versions that the Centre advises the snapshot over the deltas.
      for (const hash of hashes) await centre.publish([{ algorithm: 'pdq', hash }]);
      centre = await rotateOnDay(centre, time, start);
      time.now = start + SYNC_DAY * DAY_MS;

      const fresh = await sidecar(centre, time.now);
      expect(await fresh.syncer.syncOnce()).toMatchObject({ version: 12, snapshot: true });
      expect(hashes.map((hash) => matchesOf(fresh, hash))).toEqual(hashes.map(() => 1));
    });
  });

  describe('when a fresh sidecar bootstraps from deltas signed by both keys', () => {
    it('applies every delta, each judged at the time the log recorded it', async () => {
      const time = { now: start };
      let centre = await startCentre(time);
      const [a, b] = [pdq(), pdq()];
      await centre.publish([{ algorithm: 'pdq', hash: a }, ...bulk()]);
      centre = await rotateOnDay(centre, time, start);
      await centre.publish([{ algorithm: 'pdq', hash: b }]);
      time.now = start + SYNC_DAY * DAY_MS;

      const fresh = await sidecar(centre, time.now);
      expect(await fresh.syncer.syncOnce()).toMatchObject({ version: 2, appliedDeltas: 2, snapshot: false });
      expect([matchesOf(fresh, a), matchesOf(fresh, b)]).toEqual([1, 1]);
    });
  });

  describe('when a fresh sidecar bootstraps from a mirror exported after the expiry', () => {
    it('syncs over the old key\'s objects and the checkpoint signed by the new key', async () => {
      const time = { now: start };
      let centre = await startCentre(time);
      const [a, b] = [pdq(), pdq()];
      await centre.publish([{ algorithm: 'pdq', hash: a }]);
      await centre.publish([{ algorithm: 'pdq', hash: b }]);
      centre = await rotateOnDay(centre, time, start);
      await centre.stop();
      time.now = start + SYNC_DAY * DAY_MS;
      const out = dirs.make('hf-expiry-mirror-');
      const offline = openCentre(centre.dataDir, time.now, {});
      try {
        exportFeed(offline, out, time.now);
      } finally {
        offline.close();
      }
      mirror = await startStaticMirror(out);
      // The mirror serves the sealed feed; the access list comes from the Centre alone (PROTOCOL 13.7).
      centre = await centre.restart(Number(new URL(centre.url).port));

      const fresh = await sidecar(centre, time.now, mirror);
      expect(await fresh.syncer.syncOnce()).toMatchObject({ version: 2 });
      expect([matchesOf(fresh, a), matchesOf(fresh, b)]).toEqual([1, 1]);
    });
  });

  describe('when a lagging sidecar catches up across the rotation', () => {
    it('applies the old key\'s delta and the new key\'s delta', async () => {
      const time = { now: start };
      let centre = await startCentre(time);
      const [a, b, c] = [pdq(), pdq(), pdq()];
      await centre.publish([{ algorithm: 'pdq', hash: a }, ...bulk()]);
      const lagging = await sidecar(centre, time.now);
      expect(await lagging.syncer.syncOnce()).toMatchObject({ version: 1 });
      await centre.publish([{ algorithm: 'pdq', hash: b }]);
      centre = await rotateOnDay(centre, time, start);
      await centre.publish([{ algorithm: 'pdq', hash: c }]);
      time.now = start + SYNC_DAY * DAY_MS;
      lagging.clock.now = time.now;

      expect(await lagging.syncer.syncOnce()).toMatchObject({ version: 3, appliedDeltas: 2, snapshot: false });
      expect([matchesOf(lagging, a), matchesOf(lagging, b), matchesOf(lagging, c)]).toEqual([1, 1, 1]);
    });
  });

  describe('when someone holding the expired key signs a delta the log never recorded', () => {
    const setUp = async (time: { now: number }): Promise<{ centre: LoopbackCentre; lagging: Sidecar }> => {
      let centre = await startCentre(time);
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const lagging = await sidecar(centre, time.now);
      await lagging.syncer.syncOnce();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      centre = await rotateOnDay(centre, time, start);
      time.now = start + SYNC_DAY * DAY_MS;
      lagging.clock.now = time.now;
      return { centre, lagging };
    };

    it('refuses one dated inside the key\'s validity with SYNC_NOT_IN_LOG', async () => {
      const time = { now: start };
      const { centre, lagging } = await setUp(time);
      const planted = pdq();
      lagging.source.forge = () => forgedDelta(centre, start + 60_000, planted);

      expect((await syncError(lagging))?.code).toBe('SYNC_NOT_IN_LOG');
      expect(lagging.replica.state().version).toBe(1);
      expect(matchesOf(lagging, planted)).toBe(0);
    });

    it.each([
      ['after the key expired', 'SIGNER_EXPIRED', (now: number) => now],
      ['before the key was listed', 'SIGNER_NOT_YET_VALID', () => start - DAY_MS],
      ['at the largest time a payload may carry', 'SIGNER_EXPIRED', () => Number.MAX_SAFE_INTEGER],
    ])('refuses one dated %s with SYNC_UNTRUSTED (%s)', async (_when, cause, createdAt) => {
      const time = { now: start };
      const { centre, lagging } = await setUp(time);
      lagging.source.forge = () => forgedDelta(centre, createdAt(time.now), pdq());

      const error = await syncError(lagging);
      expect(error?.code).toBe('SYNC_UNTRUSTED');
      expect(error?.cause).toMatchObject({ code: cause });
      expect(lagging.replica.state().version).toBe(1);
    });
  });
});
