import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { fetchOrders, OrderSet, parseSurfaces, ScanPolicy, type FetchLike } from '../client/policy/index.ts';
import { openReplicaDatabase } from '../client/replica/database.ts';
import { loadOrCreateProviderKey, registerProviderKey, ReportDeliverer, Reporter, ReportQueue } from '../client/report/index.ts';
import { generateImage } from '../fixtures/index.ts';
import { Replica } from '../client/replica/replica.ts';
import { anchoredStore } from './testing/centre-roots.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';

/** The global fetch (undici's) is a FetchLike as it is. */
const realFetch: FetchLike = fetch;

async function call(centre: LoopbackCentre, token: string, method: string, path: string, body?: unknown): Promise<Response> {
  const send = (): Promise<Response> =>
    fetch(`${centre.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });
  // A pooled keep-alive socket may still point at the Centre before its restart: one retry.
  return send().catch(send);
}

type ListedReport = { reportId: string; orderId: string; subject: string; preview: string | null };

const dirs = tempDirs();

describe('reports to a real Centre', () => {
  let centre: LoopbackCentre | undefined;
  afterEach(async () => {
    centre = undefined;
    try {
      await stopLoopbackCentres();
    } finally {
      dirs.removeAll();
    }
  });

  describe('when the Centre is down while matches are reported', () => {
    it('keeps them queued, then delivers each exactly once when it is back', async () => {
      const first = await startLoopbackCentre();
      centre = first;
      const port = Number(new URL(first.url).port);
      const t0 = Date.now();
      const order = { orderId: 'DE-2026-7', issuingAuthority: 'Amtsgericht Köln', legalReference: 'Az. 7 Gs 1/26', provider: 'example-host', surfaces: ['public-posts'], targets: { users: ['u-1', 'u-2', 'u-3'], groups: [], channels: [] }, notBefore: t0 - 60_000, notAfter: t0 + 3_600_000 };
      expect((await call(first, first.tokens.operator, 'POST', '/v1/orders', order)).status).toBe(201);
      // The Centre accepts reports only on indicators it published (ids 1 to 3 here).
      await first.publish([1, 2, 3].map((i) => ({ algorithm: 'pdq', hash: String(i).repeat(64) })));

      // Sidecar startup: replica database, provider key (registered), orders.
      const dir = dirs.make('hf-e2e-reports-');
      const db = openReplicaDatabase(join(dir, 'replica.db'));
      const key = loadOrCreateProviderKey(join(dir, 'keys', 'provider.key'));
      const centreAt = { baseUrl: first.url, token: first.tokens.provider, fetch: realFetch };
      expect(await registerProviderKey({ ...centreAt, key })).toEqual({ created: true, status: 'pending' });
      expect(await first.approveProviderKeys()).toBe(1);
      const orders = new OrderSet(db, 'example-host');
      const policy = new ScanPolicy({ surfaces: parseSurfaces([{ id: 'public-posts', description: 'Public posts', e2ee: false }]), orders });
      await fetchOrders({ ...centreAt, store: await anchoredStore(first, new Replica(db)), orders, now: t0 });

      const clock = { now: t0 };
      const queue = new ReportQueue(db);
      const deliverer = new ReportDeliverer({ queue, ...centreAt, clock: () => clock.now, random: () => 0.5, backoff: { baseMs: 1000, maxMs: 8000 } });
      const reporter = new Reporter({ provider: 'example-host', key, queue });

      // The Centre goes down; three matches happen.
      await first.stop();
      const queued: string[] = [];
      for (const [i, subject] of ['user:u-1', 'user:u-2', 'user:u-3'].entries()) {
        const decision = policy.decideScan({ surfaceId: 'public-posts', subject, now: clock.now });
        if (!decision.allowed) throw new Error(`scan refused: ${decision.code}`);
        const content = await generateImage({ family: 'scenes', seed: 100 + i, width: 96, height: 72, format: 'jpeg' });
        const match = { indicatorIds: [i + 1], algorithm: 'pdq', distance: 3 };
        queued.push((await reporter.report({ order: decision.order, surfaceId: 'public-posts', subject, match, content, replicaVersion: 1, stale: false, detectedAt: clock.now })).reportId);
      }
      const envelopes = queue.due(clock.now, 10).map((r) => r.envelope);

      // Deliveries fail and nothing is lost, however often they are tried.
      for (let round = 0; round < 3; round++) {
        expect(await deliverer.deliverDue()).toMatchObject({ delivered: 0, retried: 1, stoppedEarly: true });
        clock.now = deliverer.pausedUntil;
      }
      expect(queue.counts()).toEqual({ pending: 3, delivered: 0, failed: 0 });

      // Back on the same port: the deliverer empties the queue.
      centre = await first.restart(port);
      for (let round = 0; round < 10 && queue.counts().pending > 0; round++) {
        clock.now = Math.max(clock.now, deliverer.pausedUntil);
        await deliverer.deliverDue();
      }
      expect(queue.counts()).toEqual({ pending: 0, delivered: 3, failed: 0 });

      const listed = (await (await call(centre, centre.tokens.operator, 'GET', '/v1/reports')).json()) as { reports: ListedReport[] };
      expect(listed.reports.map((r) => r.reportId).sort()).toEqual([...queued].sort());
      expect(listed.reports.map((r) => r.subject).sort()).toEqual(['user:u-1', 'user:u-2', 'user:u-3']);
      expect(listed.reports.every((r) => r.orderId === 'DE-2026-7' && typeof r.preview === 'string')).toBe(true);

      // A resend of a delivered report (say its answer was lost) is acknowledged as a duplicate and stored once.
      const resend = new ReportQueue(openReplicaDatabase(':memory:'));
      resend.enqueue(queued[0] ?? '', envelopes[0] ?? new Uint8Array(), clock.now);
      const again = new ReportDeliverer({ queue: resend, ...centreAt, baseUrl: centre.url, clock: () => clock.now });
      expect(await again.deliverDue()).toMatchObject({ delivered: 0, duplicates: 1 });
      const direct = await fetch(`${centre.url}/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${centre.tokens.provider}`, 'content-type': 'application/msgpack' }, body: Uint8Array.from(envelopes[1] ?? []) });
      expect(direct.status).toBe(200);
      expect(await direct.json()).toEqual({ reportId: queued[1], duplicate: true });
      const after = (await (await call(centre, centre.tokens.operator, 'GET', '/v1/reports')).json()) as { reports: ListedReport[] };
      expect(after.reports).toHaveLength(3);
    });
  });

  describe('when the Centre has never seen the sidecar key', () => {
    it('registers it through the hook, keeps the report queued until an operator approves the key, then delivers', async () => {
      centre = await startLoopbackCentre();
      const t0 = Date.now();
      const order = { orderId: 'DE-8', issuingAuthority: 'Amtsgericht Köln', legalReference: 'Az. 8', provider: 'example-host', surfaces: ['public-posts'], targets: { users: ['u-1'], groups: [], channels: [] }, notBefore: t0 - 60_000, notAfter: t0 + 3_600_000 };
      await call(centre, centre.tokens.operator, 'POST', '/v1/orders', order);
      await centre.publish([{ algorithm: 'pdq', hash: 'a'.repeat(64) }]);
      const dir = dirs.make('hf-e2e-reports-');
      const db = openReplicaDatabase(join(dir, 'replica.db'));
      const key = loadOrCreateProviderKey(join(dir, 'provider.key'));
      const centreAt = { baseUrl: centre.url, token: centre.tokens.provider, fetch: realFetch };
      const queue = new ReportQueue(db);
      const clock = { now: t0 };
      const deliverer = new ReportDeliverer({ queue, ...centreAt, clock: () => clock.now, onUnknownKey: async () => void (await registerProviderKey({ ...centreAt, key })) });
      const reporter = new Reporter({ provider: 'example-host', key, queue });
      const { reportId } = await reporter.report({ order, surfaceId: 'public-posts', subject: 'user:u-1', match: { indicatorIds: [1], algorithm: 'pdq', distance: 0 }, content: new Uint8Array(0), replicaVersion: 1, stale: true, detectedAt: t0 });

      // A provider token alone does not make the key trusted.
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 0, retried: 1 });
      expect(queue.entry(reportId)).toMatchObject({ state: 'pending', lastError: 'REPORT_KEY_PENDING' });

      expect(await centre.approveProviderKeys()).toBe(1);
      clock.now = deliverer.pausedUntil;
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 1 });
    });
  });

  describe('when the Centre ended the order before the sidecar refreshed its list', () => {
    it('refuses the report for good (REPORT_ORDER_ENDED): dropped, not retried, and counted for the operator', async () => {
      centre = await startLoopbackCentre();
      const t0 = Date.now();
      const order = { orderId: 'DE-9', issuingAuthority: 'Amtsgericht Köln', legalReference: 'Az. 9', provider: 'example-host', surfaces: ['public-posts'], targets: { users: ['u-1'], groups: [], channels: [] }, notBefore: t0 - 60_000, notAfter: t0 + 3_600_000 };
      await call(centre, centre.tokens.operator, 'POST', '/v1/orders', order);
      await centre.publish([{ algorithm: 'pdq', hash: 'b'.repeat(64) }]);
      const dir = dirs.make('hf-e2e-reports-');
      const db = openReplicaDatabase(join(dir, 'replica.db'));
      onTestFinished(() => void db.close());
      const key = loadOrCreateProviderKey(join(dir, 'provider.key'));
      const centreAt = { baseUrl: centre.url, token: centre.tokens.provider, fetch: realFetch };
      await registerProviderKey({ ...centreAt, key });
      expect(await centre.approveProviderKeys()).toBe(1);
      const orders = new OrderSet(db, 'example-host');
      const policy = new ScanPolicy({ surfaces: parseSurfaces([{ id: 'public-posts', description: 'Public posts', e2ee: false }]), orders });
      await fetchOrders({ ...centreAt, store: await anchoredStore(centre, new Replica(db)), orders, now: t0 });

      // The court's order is ended at the Centre; the sidecar still holds the list that names it.
      expect((await call(centre, centre.tokens.operator, 'POST', '/v1/orders/DE-9/end', {})).status).toBe(200);
      const detectedAt = Date.now() + 1;
      const decision = policy.decideScan({ surfaceId: 'public-posts', subject: 'user:u-1', now: detectedAt });
      if (!decision.allowed) throw new Error(`scan refused: ${decision.code}`);
      const queue = new ReportQueue(db);
      const reporter = new Reporter({ provider: 'example-host', key, queue });
      const match = { indicatorIds: [1], algorithm: 'pdq', distance: 0 };
      const { reportId } = await reporter.report({ order: decision.order, surfaceId: 'public-posts', subject: 'user:u-1', match, content: new Uint8Array(0), replicaVersion: 1, stale: false, detectedAt });

      const deliverer = new ReportDeliverer({ queue, ...centreAt });
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 0, retried: 0, failed: 1 });
      expect(queue.entry(reportId)).toMatchObject({ state: 'failed', lastError: 'REPORT_ORDER_ENDED' });
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 0, retried: 0, failed: 0 });

      const listed = (await (await call(centre, centre.tokens.operator, 'GET', '/v1/reports')).json()) as { reports: unknown[] };
      expect(listed.reports).toEqual([]);
      const refusals = (await (await call(centre, centre.tokens.operator, 'GET', '/v1/reports/refusals')).json()) as { refusals: unknown[] };
      expect(refusals.refusals).toEqual([{ provider: 'example-host', code: 'REPORT_ORDER_ENDED', count: 1, firstAt: expect.any(Number), lastAt: expect.any(Number) }]);
    });
  });
});
