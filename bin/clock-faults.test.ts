import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchOrders, OrderSet, parseSurfaces, ScanPolicy, type FetchLike, type ScanDecision } from '../client/policy/index.ts';
import { openReplicaDatabase } from '../client/replica/database.ts';
import { Replica } from '../client/replica/replica.ts';
import { sidecarConfigFor } from './testing/sidecar-config.ts';
import { createSidecar, type Sidecar } from '../client/sidecar/sidecar.ts';
import { SyncError } from '../client/sync/errors.ts';
import { HttpFeedSource } from '../client/sync/feed-source.ts';
import { Syncer } from '../client/sync/syncer.ts';
import { codeOfAsync } from '../shared/testing/code-of.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { anchoredStore, pinnedStore } from './testing/centre-roots.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
import { entitleSidecar, feedAccessFor } from './testing/feed-access.ts';
import { AccessError } from '../client/access/index.ts';
import type { TrustedStore } from '../client/sync/trusted-store/index.ts';
import type { Db } from '../client/replica/database.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A Centre clock fault (or an NTP attack on it): its clock runs this far ahead. Its keys, certified for 365 days, stay valid. */
const FAST = 300 * DAY;

const dirs = tempDirs();
const pdq = (): string => randomBytes(32).toString('hex');
const realFetch: FetchLike = fetch;

/** A real Centre whose clock is the real one plus `offset.ms`, which the test moves forward. */
async function centreWithClock(): Promise<{ centre: LoopbackCentre; offset: { ms: number } }> {
  const offset = { ms: 0 };
  const centre = await startLoopbackCentre({}, 0, undefined, () => Date.now() + offset.ms);
  return { centre, offset };
}

/**
 * The operator sets the Centre's clock right and restarts it, on the same
 * port (its rate limiter, like any in-memory state, would not survive a
 * clock stepping back 300 days).
 */
async function setClockRight(centre: LoopbackCentre, offset: { ms: number }): Promise<LoopbackCentre> {
  await centre.stop();
  offset.ms = 0;
  return centre.restart(Number(new URL(centre.url).port));
}

async function operator(centre: LoopbackCentre, method: string, path: string, body?: unknown): Promise<Response> {
  const send = (): Promise<Response> =>
    fetch(`${centre.url}${path}`, { method, headers: { authorization: `Bearer ${centre.tokens.operator}`, 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });
  // A pooled keep-alive socket may still point at the Centre before its restart: one retry.
  return send().catch(send);
}

/**
 * A Syncer's access check as the sidecar runs it (PROTOCOL 13.4): its key
 * registered and approved; each round fetches the list, and one refused
 * (a list from the future among them) changes nothing held: the round goes
 * on with the epoch keys held. `refused` collects the refusals' codes.
 */
async function feedAccess(centre: LoopbackCentre, db: Db, replica: Replica, refused: string[] = []): Promise<{ store: TrustedStore; checkAccess: () => Promise<string | null> }> {
  const access = await feedAccessFor(centre, db);
  const store = pinnedStore(replica, centre.rootKey, { access: access.ring });
  const fetchList = access.checkAccess(store);
  const checkAccess = async (): Promise<string | null> => {
    try {
      return await fetchList();
    } catch (err) {
      if (!(err instanceof AccessError)) throw err;
      refused.push(err.code);
      return access.ring.noAccessReason();
    }
  };
  return { store, checkAccess };
}

const outcome = (d: ScanDecision): string => (d.allowed ? `allowed:${d.order.orderId}` : d.code);

describe('clock faults, against a real Centre whose clock runs 300 days fast', () => {
  let sidecar: Sidecar | undefined;
  afterEach(async () => {
    try {
      await sidecar?.stop();
      sidecar = undefined;
      await stopLoopbackCentres();
    } finally {
      dirs.removeAll();
    }
  });

  describe('when the Centre signs a timestamp from the future', () => {
    it('refuses it with SYNC_FROM_FUTURE, keeps the timestamp held, and syncs again once the Centre is right', async () => {
      const { centre, offset } = await centreWithClock();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const db = openReplicaDatabase(join(dirs.make('hf-clock-replica-'), 'replica.db'));
      const replica = new Replica(db);
      const source = new HttpFeedSource({ baseUrl: centre.url, mode: 'centre', token: centre.tokens.provider, fetch: realFetch });
      const refused: string[] = [];
      const { store, checkAccess } = await feedAccess(centre, db, replica, refused);
      const syncer = new Syncer({ source, replica, store, clock: Date.now, onApplied: () => undefined, alert: () => undefined, checkAccess });
      await syncer.syncOnce();
      const held = replica.state().timestamp;

      offset.ms = FAST;
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      await expect(syncer.syncOnce()).rejects.toSatisfy((err) => err instanceof SyncError && err.code === 'SYNC_FROM_FUTURE');
      expect(replica.state()).toMatchObject({ version: 1, timestamp: held });
      // The access list the fast Centre signed is refused too; the round went on with the epoch keys held.
      expect(refused).toEqual(['ACCESS_FROM_FUTURE']);

      // Once the Centre's clock is right again, its next timestamp is not a "rollback".
      const fixed = await setClockRight(centre, offset);
      await fixed.publish([{ algorithm: 'pdq', hash: pdq() }]);
      expect(await syncer.syncOnce()).toMatchObject({ version: 3 });
    });
  });

  describe('when the replica already holds a timestamp from the future (taken before the clock rule)', () => {
    it('takes the next correct timestamp instead of calling it a rollback', async () => {
      const { centre } = await centreWithClock();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const db = openReplicaDatabase(join(dirs.make('hf-clock-replica-'), 'replica.db'));
      const replica = new Replica(db);
      const source = new HttpFeedSource({ baseUrl: centre.url, mode: 'centre', token: centre.tokens.provider, fetch: realFetch });
      const { store, checkAccess } = await feedAccess(centre, db, replica);
      const syncer = new Syncer({ source, replica, store, clock: Date.now, onApplied: () => undefined, alert: () => undefined, checkAccess });
      await syncer.syncOnce();
      const { checkpoint, timestamp } = replica.state();
      if (checkpoint === null || timestamp === null) throw new Error('the first sync recorded no head');
      replica.recordHead(checkpoint, { version: timestamp.version, issuedAt: timestamp.issuedAt + FAST, expires: timestamp.expires + FAST });

      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      expect(await syncer.syncOnce()).toMatchObject({ version: 2 });
      expect(replica.state().timestamp?.issuedAt).toBeLessThan(Date.now() + MINUTE);
    });
  });

  describe('when the Centre signs an order list from the future', () => {
    it('refuses it with ORDERS_FROM_FUTURE, so an order ended at the Centre stops authorising once a correct list arrives', async () => {
      const { centre, offset } = await centreWithClock();
      const t0 = Date.now();
      const order = { orderId: 'AT-1', issuingAuthority: 'Landesgericht Wien', legalReference: 'LG 1/26', provider: 'example-host', surfaces: ['forum'], targets: { users: [], groups: ['g-1'], channels: [] }, notBefore: t0 - MINUTE, notAfter: t0 + 400 * DAY };
      expect((await operator(centre, 'POST', '/v1/orders', order)).status).toBe(201);
      const db = openReplicaDatabase(':memory:');
      const orders = new OrderSet(db, 'example-host');
      const policy = new ScanPolicy({ surfaces: parseSurfaces([{ id: 'forum', description: 'Forum', e2ee: false }]), orders });
      const store = await anchoredStore(centre, new Replica(db));
      const refresh = () => fetchOrders({ baseUrl: centre.url, token: centre.tokens.provider, fetch: realFetch, store, orders, now: Date.now() });
      await refresh();
      const held = orders.issuedAt;
      expect(outcome(policy.decideScan({ surfaceId: 'forum', subject: 'group:g-1', now: Date.now() }))).toBe('allowed:AT-1');

      offset.ms = FAST;
      expect(await codeOfAsync(refresh())).toBe('ORDERS_FROM_FUTURE');
      expect(orders.issuedAt).toBe(held);

      const fixed = await setClockRight(centre, offset);
      expect((await operator(fixed, 'POST', '/v1/orders/AT-1/end', { reason: 'court decision' })).status).toBe(200);
      expect(await refresh()).toMatchObject({ changed: true });
      expect(outcome(policy.decideScan({ surfaceId: 'forum', subject: 'group:g-1', now: Date.now() }))).toBe('NO_ACTIVE_ORDER');
    });
  });

  describe('when the sidecar has seen a timestamp from the future', () => {
    it('shows the clock skew in its health, and goes stale when the timestamp it holds expires', async () => {
      const { centre, offset } = await centreWithClock();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const dataDir = dirs.make('hf-clock-sidecar-');
      const config = sidecarConfigFor(centre, dataDir, { surfaces: [{ id: 'forum', description: 'Forum', e2ee: false }] });
      const clock = { now: Date.now() };
      sidecar = await createSidecar({ config, clock: () => clock.now, logger: pino({ level: 'silent' }) });
      await entitleSidecar(centre, sidecar);
      await sidecar.syncOnce();
      expect(sidecar.health()).toMatchObject({ status: 'ok', clockSkewSeconds: expect.any(Number) });
      expect(Math.abs(sidecar.health().clockSkewSeconds ?? Number.NaN)).toBeLessThan(3600);

      offset.ms = FAST;
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      clock.now = Date.now();
      await expect(sidecar.syncOnce()).rejects.toMatchObject({ code: 'SYNC_FROM_FUTURE' });
      const skew = sidecar.health().clockSkewSeconds ?? 0;
      expect(skew).toBeGreaterThan(FAST / 1000 - 3600);
      expect(skew).toBeLessThan(FAST / 1000 + 3600);

      clock.now += DAY + HOUR;
      expect(sidecar.health()).toMatchObject({ status: 'stale', replicaVersion: 1 });
    });
  });
});
