import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createSidecar, type Sidecar } from '../client/sidecar/sidecar.ts';
import { generateImage } from '../fixtures/index.ts';
import { getAlgorithm, hashImage } from '../shared/hashing/index.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { entitleSidecar } from './testing/feed-access.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
import { sidecarConfigFor, TEST_LOCAL_TOKEN } from './testing/sidecar-config.ts';

const DAY = 86_400_000;
const WEBHOOK_SECRET = 'the-platform-webhook-secret';
const dirs = tempDirs();
const servers: Server[] = [];
let sidecar: Sidecar | undefined;

afterEach(async () => {
  try {
    await sidecar?.stop({ deadlineMs: 1000 });
    sidecar = undefined;
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    await stopLoopbackCentres();
  } finally {
    dirs.removeAll();
  }
});

type Answer = (status: number) => void;

/**
 * The provider's platform: a loopback endpoint that records each webhook
 * call and answers 204, or, with `held`, keeps each call waiting until the
 * test answers it.
 */
async function platform(held?: Answer[]): Promise<{ url: string; calls: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[] }> {
  const calls: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      if (held === undefined) res.writeHead(204).end();
      else held.push((status) => res.writeHead(status).end());
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/decisions`, calls };
}

/** The decision webhook's queue depth as `/metrics` exports it (undefined when the gauge is missing). */
async function webhookQueueGauge(running: Sidecar): Promise<number | undefined> {
  const text = await (await running.app.request('/metrics')).text();
  const line = /^hashfeed_decision_webhook_queue (\d+)$/m.exec(text);
  return line?.[1] === undefined ? undefined : Number(line[1]);
}

async function call(centre: LoopbackCentre, token: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${centre.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });
  const json: unknown = res.status === 204 ? {} : await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return typeof json === 'object' && json !== null ? Object.fromEntries(Object.entries(json)) : {};
}

/**
 * A loopback Centre and a sidecar with a webhook to `hookUrl`: two matches
 * reported, a reviewer forwards the first and judges the second unfounded.
 */
async function decidedPair(hookUrl: string): Promise<{ centre: LoopbackCentre; running: Sidecar; forwarded: string; unfounded: string; pictures: Buffer[] }> {
  const centre = await startLoopbackCentre();
  const now = Date.now();
  await call(centre, centre.tokens.operator, 'POST', '/v1/orders', {
    orderId: 'DE-2026-42',
    issuingAuthority: 'Amtsgericht Köln',
    legalReference: 'Az. 42 Gs 1/26',
    provider: 'example-host',
    surfaces: ['uploads'],
    targets: { users: ['u-1', 'u-2'], groups: [], channels: [] },
    notBefore: now - 60_000,
    notAfter: now + 30 * DAY,
    memberState: 'DE',
  });
  const pictures = await Promise.all([1, 2].map((seed) => generateImage({ family: 'scenes', seed, width: 128, height: 96, format: 'png' })));
  const hashes = await Promise.all(pictures.map(async (p) => getAlgorithm('pdq').format((await hashImage(p, { algorithms: ['pdq'] })).results[0]?.hash ?? new Uint8Array(32))));
  await centre.publish(hashes.map((hash) => ({ algorithm: 'pdq', hash })));

  const dataDir = dirs.make('hf-e2e-decisions-');
  const running = await createSidecar({ config: sidecarConfigFor(centre, dataDir, { decisionWebhook: { url: hookUrl, secret: WEBHOOK_SECRET } }), logger: pino({ level: 'silent' }) });
  sidecar = running;
  // Report key approved by the operator, encryption key registered: the sidecar reads the sealed feed and its reports are taken.
  await entitleSidecar(centre, running);
  await running.syncOnce();
  const reportIds: string[] = [];
  for (const [i, picture] of pictures.entries()) {
    const result = await running.scan('uploads', `user:u-${i + 1}`, picture);
    if (result.reportId === undefined) throw new Error(`no report for picture ${i}: ${JSON.stringify(result.refused ?? result.matches)}`);
    reportIds.push(result.reportId);
  }
  await running.deliverReports();
  const [forwarded = '', unfounded = ''] = reportIds;

  for (const [reportId, decision] of [
    [forwarded, { decision: 'forwarded' }],
    [unfounded, { decision: 'unfounded', reason: 'not_csam', comment: 'The picture is a landscape.' }],
  ] as const) {
    const claimed = await call(centre, centre.tokens.reviewer, 'GET', '/v1/review/next');
    const claimedId = String(Reflect.get(Reflect.get(claimed, 'report') ?? {}, 'reportId'));
    expect(claimedId).toBe(reportId);
    await call(centre, centre.tokens.reviewer, 'POST', `/v1/review/reports/${reportId}/decision`, decision);
  }

  return { centre, running, forwarded, unfounded, pictures };
}

describe('decisions back to the provider, end to end', () => {
  describe('when a reviewer forwards one report and judges another unfounded, and Europol asks for a hold', () => {
    it('brings every decision and the hold to the sidecar, its local API and its webhook', async () => {
      const hook = await platform();
      const { centre, running, forwarded, unfounded } = await decidedPair(hook.url);

      await running.syncOnce();
      const local = async (after = 0): Promise<{ decisions: Record<string, unknown>[]; cursor: number }> => {
        const res = await running.app.request(`/v1/decisions?after=${after}`, { headers: { authorization: `Bearer ${TEST_LOCAL_TOKEN}` } });
        return (await res?.json()) as { decisions: Record<string, unknown>[]; cursor: number };
      };
      const first = await local();
      expect(first.decisions).toEqual([
        { seq: expect.any(Number), reportId: forwarded, decision: 'forwarded', receivedAt: expect.any(Number) },
        { seq: expect.any(Number), reportId: unfounded, decision: 'unfounded', reason: 'not_csam', receivedAt: expect.any(Number) },
      ]);
      expect(await webhookQueueGauge(running)).toBe(2);
      expect(await running.deliverDecisions()).toBe(2);
      expect(await webhookQueueGauge(running)).toBe(0);
      expect(hook.calls.map((c) => [c.body.reportId, c.body.decision])).toEqual([
        [forwarded, 'forwarded'],
        [unfounded, 'unfounded'],
      ]);

      const until = Date.now() + 90 * DAY;
      await call(centre, centre.tokens.europol, 'POST', `/v1/inbox/reports/${forwarded}/hold`, { until });
      await running.syncOnce();
      const later = await local(first.cursor);
      expect(later.decisions).toEqual([{ seq: expect.any(Number), reportId: forwarded, decision: 'forwarded', hold: { until }, receivedAt: expect.any(Number) }]);
      expect(await running.deliverDecisions()).toBe(1);
      expect(hook.calls[2]?.body).toMatchObject({ reportId: forwarded, decision: 'forwarded', hold: { until } });
      expect(hook.calls[2]?.headers['hashfeed-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

      // The local API's own refusals: no token, a cursor that is no integer, one given twice.
      expect((await running.app.request('/v1/decisions')).status).toBe(401);
      for (const query of ['after=x', 'after=-1', 'limit=0', 'after=1&after=2']) {
        expect((await running.app.request(`/v1/decisions?${query}`, { headers: { authorization: `Bearer ${TEST_LOCAL_TOKEN}` } })).status).toBe(400);
      }
    });
  });

  describe('when the platform endpoint hangs, then fails', () => {
    it('keeps scanning while a delivery waits, and queues the decision for a retry', async () => {
      const held: Answer[] = [];
      const hook = await platform(held);
      const { running: active, pictures } = await decidedPair(hook.url);
      await active.syncOnce();
      let settled = false;
      const delivering = active.deliverDecisions().finally(() => (settled = true));
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      // The first call waits on the platform; scans go on meanwhile.
      for (const picture of pictures) expect((await active.scan('uploads', 'user:u-1', picture)).matches.length).toBeGreaterThan(0);
      expect(settled).toBe(false);
      held.shift()?.(503);
      while (!settled) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        held.shift()?.(503);
      }
      expect(await delivering).toBe(0);
      const res = await active.app.request('/v1/decisions', { headers: { authorization: `Bearer ${TEST_LOCAL_TOKEN}` } });
      expect(((await res.json()) as { decisions: unknown[] }).decisions).toHaveLength(2);
      // Both stay queued with a back-off: an immediate second round sends nothing.
      const calls = hook.calls.length;
      expect(await active.deliverDecisions()).toBe(0);
      expect(hook.calls.length).toBe(calls);
      expect(await webhookQueueGauge(active)).toBe(2);
    });
  });
});
