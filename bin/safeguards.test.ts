import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchOrders, OrderSet, parseSurfaces, ScanPolicy, type FetchLike, type ScanDecision } from '../client/policy/index.ts';
import { openReplicaDatabase } from '../client/replica/database.ts';
import { Replica } from '../client/replica/replica.ts';
import type { TrustedStore } from '../client/sync/trusted-store/index.ts';
import { anchoredStore } from './testing/centre-roots.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The global fetch (undici's) is a FetchLike as it is. */
const realFetch: FetchLike = fetch;

async function operator(centre: LoopbackCentre, method: string, path: string, body?: unknown): Promise<Response> {
  const send = (): Promise<Response> =>
    fetch(`${centre.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${centre.tokens.operator}`, 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
  // A pooled keep-alive socket may still point at a Centre this test restarted: one retry.
  return send().catch(send);
}

const SURFACES = parseSurfaces([
  { id: 'public-posts', description: 'Public posts', e2ee: false },
  { id: 'forum', description: 'Forum threads', e2ee: false },
  { id: 'dm-e2ee', description: 'Direct messages, end-to-end encrypted', e2ee: true },
]);

/** The policy half of a sidecar over a replica database file, as the lead's sidecar wires it. */
function sidecar(centre: LoopbackCentre, dbPath: string, network: FetchLike = realFetch) {
  const db = openReplicaDatabase(dbPath);
  const orders = new OrderSet(db, 'example-host');
  const policy = new ScanPolicy({ surfaces: SURFACES, orders });
  // The root chain is read once, as a sidecar's first feed round would, before the first order list.
  let store: TrustedStore | undefined;
  const refresh = async (now: number) => fetchOrders({ baseUrl: centre.url, token: centre.tokens.provider, fetch: network, store: (store ??= await anchoredStore(centre, new Replica(db))), orders, now });
  const decide = (surfaceId: string, subject: string, now: number): string => outcome(policy.decideScan({ surfaceId, subject, now }));
  return { orders, policy, refresh, decide };
}

async function bodyOf(res: Awaited<ReturnType<FetchLike>>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body ?? []) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

const outcome = (d: ScanDecision): string => (d.allowed ? `allowed:${d.order.orderId}` : d.code);

const dirs = tempDirs();

describe('safeguards against a real Centre', () => {
  let centre: LoopbackCentre | undefined;
  afterEach(async () => {
    centre = undefined;
    try {
      await stopLoopbackCentres();
    } finally {
      dirs.removeAll();
    }
  });

  describe('during a run in which an order lapses', () => {
    it('scans under the order until notAfter, then refuses, with no network needed; a restart keeps the orders', async () => {
      centre = await startLoopbackCentre();
      const t0 = Date.now();
      const order = (orderId: string, surfaces: string[], targets: object, notAfter: number) => ({
        orderId,
        issuingAuthority: 'Amtsgericht München',
        legalReference: `Az. ${orderId}`,
        provider: 'example-host',
        surfaces,
        targets: { users: [], groups: [], channels: [], ...targets },
        notBefore: t0 - MINUTE,
        notAfter,
      });
      const short = order('DE-SHORT', ['public-posts', 'dm-e2ee'], { users: ['u-1'] }, t0 + HOUR);
      const long = order('DE-LONG', ['forum'], { channels: ['c-9'] }, t0 + 3 * HOUR);
      for (const o of [short, long]) expect((await operator(centre, 'POST', '/v1/orders', o)).status).toBe(201);

      const dbPath = join(dirs.make('hf-e2e-policy-'), 'replica.db');
      const side = sidecar(centre, dbPath);
      expect(await side.refresh(t0)).toMatchObject({ changed: true });

      expect(side.decide('public-posts', 'user:u-1', t0)).toBe('allowed:DE-SHORT');
      expect(side.decide('forum', 'channel:c-9', t0)).toBe('allowed:DE-LONG');
      expect(side.decide('dm-e2ee', 'user:u-1', t0)).toBe('SURFACE_E2EE');
      expect(side.decide('stories', 'user:u-1', t0)).toBe('SURFACE_UNKNOWN');
      expect(side.decide('public-posts', 'user:u-2', t0)).toBe('NO_ACTIVE_ORDER');
      expect(side.decide('forum', 'user:u-1', t0)).toBe('NO_ACTIVE_ORDER');
      expect(side.decide('public-posts', 'u-1', t0)).toBe('SUBJECT_INVALID');

      // The Centre goes away: lapsing needs no network, only the clock.
      await centre.stop();
      expect(side.decide('public-posts', 'user:u-1', short.notAfter - 1)).toBe('allowed:DE-SHORT');
      expect(side.decide('public-posts', 'user:u-1', short.notAfter)).toBe('NO_ACTIVE_ORDER');
      expect(side.decide('forum', 'channel:c-9', short.notAfter)).toBe('allowed:DE-LONG');

      // A restarted sidecar holds the same verified orders.
      const restarted = sidecar(centre, dbPath);
      expect(restarted.decide('public-posts', 'user:u-1', short.notAfter)).toBe('NO_ACTIVE_ORDER');
      expect(restarted.decide('forum', 'channel:c-9', short.notAfter)).toBe('allowed:DE-LONG');
      expect(restarted.decide('forum', 'channel:c-9', long.notAfter)).toBe('NO_ACTIVE_ORDER');
      expect(Object.fromEntries(side.policy.refusals)).toMatchObject({ SURFACE_E2EE: 1, SURFACE_UNKNOWN: 1, SUBJECT_INVALID: 1, NO_ACTIVE_ORDER: 3 });
    });
  });

  describe('when an operator ends an order early', () => {
    it('stops scans at the next order refresh', async () => {
      centre = await startLoopbackCentre();
      const t0 = Date.now();
      const order = { orderId: 'NL-1', issuingAuthority: 'Rechtbank Den Haag', legalReference: 'R-1', provider: 'example-host', surfaces: ['forum'], targets: { users: [], groups: ['g-1'], channels: [] }, notBefore: t0 - MINUTE, notAfter: t0 + HOUR };
      await operator(centre, 'POST', '/v1/orders', order);
      const side = sidecar(centre, ':memory:');
      await side.refresh(t0);
      expect(side.decide('forum', 'group:g-1', t0)).toBe('allowed:NL-1');
      expect((await operator(centre, 'POST', '/v1/orders/NL-1/end', { reason: 'court decision' })).status).toBe(200);
      expect(side.decide('forum', 'group:g-1', t0)).toBe('allowed:NL-1');
      await side.refresh(Date.now());
      expect(side.decide('forum', 'group:g-1', Date.now())).toBe('NO_ACTIVE_ORDER');
    });
  });

  describe('when an older order list is replayed', () => {
    it('refuses it as a rollback and keeps the newer one', async () => {
      centre = await startLoopbackCentre();
      const t0 = Date.now();
      const order = { orderId: 'FR-1', issuingAuthority: 'Tribunal judiciaire de Paris', legalReference: 'RG 26/1', provider: 'example-host', surfaces: ['forum'], targets: { users: ['u-7'], groups: [], channels: [] }, notBefore: t0 - MINUTE, notAfter: t0 + HOUR };
      await operator(centre, 'POST', '/v1/orders', order);
      let replay: Uint8Array | undefined;
      let recorded: Uint8Array | undefined;
      const network: FetchLike = async (url, init) => {
        const res = await realFetch(url, init);
        if (!url.endsWith('/v1/feed/orders')) return res;
        const bytes = await bodyOf(res);
        recorded ??= bytes;
        const body = replay ?? bytes;
        return { status: res.status, headers: { get: () => null }, body: (async function* () { yield body; })() };
      };
      const side = sidecar(centre, ':memory:', network);
      await side.refresh(t0);
      await operator(centre, 'POST', '/v1/orders/FR-1/end');
      await new Promise((r) => setTimeout(r, 5));
      await side.refresh(Date.now());
      expect(side.decide('forum', 'user:u-7', Date.now())).toBe('NO_ACTIVE_ORDER');
      replay = recorded;
      await expect(side.refresh(Date.now())).rejects.toMatchObject({ code: 'ORDERS_ROLLBACK' });
      expect(side.decide('forum', 'user:u-7', Date.now())).toBe('NO_ACTIVE_ORDER');
    });
  });
});
