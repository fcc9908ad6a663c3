import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createSidecar, type Sidecar } from '../client/sidecar/sidecar.ts';
import { generateImage } from '../fixtures/index.ts';
import { getAlgorithm, hashImage } from '../shared/hashing/index.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
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

/** The provider's platform: a loopback endpoint that records each webhook call and answers 200. */
async function platform(): Promise<{ url: string; calls: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[] }> {
  const calls: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/decisions`, calls };
}

async function call(centre: LoopbackCentre, token: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${centre.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });
  const json: unknown = res.status === 204 ? {} : await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return typeof json === 'object' && json !== null ? Object.fromEntries(Object.entries(json)) : {};
}

describe('decisions back to the provider, end to end', () => {
  describe('when a reviewer forwards one report and judges another unfounded, and Europol asks for a hold', () => {
    it('brings every decision and the hold to the sidecar, its local API and its webhook', async () => {
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

      const hook = await platform();
      const dataDir = dirs.make('hf-e2e-decisions-');
      sidecar = await createSidecar({ config: sidecarConfigFor(centre, dataDir, { decisionWebhook: { url: hook.url, secret: WEBHOOK_SECRET } }), logger: pino({ level: 'silent' }) });
      await sidecar.syncOnce();
      await sidecar.registerKey();
      await centre.approveProviderKeys();
      const reportIds: string[] = [];
      for (const [i, picture] of pictures.entries()) {
        const result = await sidecar.scan('uploads', `user:u-${i + 1}`, picture);
        if (result.reportId === undefined) throw new Error(`no report for picture ${i}: ${JSON.stringify(result.refused ?? result.matches)}`);
        reportIds.push(result.reportId);
      }
      await sidecar.deliverReports();
      const [forwarded, unfounded] = reportIds as [string, string];

      for (const [reportId, decision] of [
        [forwarded, { decision: 'forwarded' }],
        [unfounded, { decision: 'unfounded', reason: 'not_csam', comment: 'The picture is a landscape.' }],
      ] as const) {
        const claimed = await call(centre, centre.tokens.reviewer, 'GET', '/v1/review/next');
        const claimedId = String(Reflect.get(Reflect.get(claimed, 'report') ?? {}, 'reportId'));
        expect(claimedId).toBe(reportId);
        await call(centre, centre.tokens.reviewer, 'POST', `/v1/review/reports/${reportId}/decision`, decision);
      }

      await sidecar.syncOnce();
      const local = async (after = 0): Promise<{ decisions: Record<string, unknown>[]; cursor: number }> => {
        const res = await sidecar?.app.request(`/v1/decisions?after=${after}`, { headers: { authorization: `Bearer ${TEST_LOCAL_TOKEN}` } });
        return (await res?.json()) as { decisions: Record<string, unknown>[]; cursor: number };
      };
      const first = await local();
      expect(first.decisions).toEqual([
        { seq: expect.any(Number), reportId: forwarded, decision: 'forwarded', receivedAt: expect.any(Number) },
        { seq: expect.any(Number), reportId: unfounded, decision: 'unfounded', reason: 'not_csam', receivedAt: expect.any(Number) },
      ]);
      expect(await sidecar.deliverDecisions()).toBe(2);
      expect(hook.calls.map((c) => [c.body.reportId, c.body.decision])).toEqual([
        [forwarded, 'forwarded'],
        [unfounded, 'unfounded'],
      ]);

      const until = Date.now() + 90 * DAY;
      await call(centre, centre.tokens.europol, 'POST', `/v1/inbox/reports/${forwarded}/hold`, { until });
      await sidecar.syncOnce();
      const later = await local(first.cursor);
      expect(later.decisions).toEqual([{ seq: expect.any(Number), reportId: forwarded, decision: 'forwarded', hold: { until }, receivedAt: expect.any(Number) }]);
      expect(await sidecar.deliverDecisions()).toBe(1);
      expect(hook.calls[2]?.body).toMatchObject({ reportId: forwarded, decision: 'forwarded', hold: { until } });
      expect(hook.calls[2]?.headers['hashfeed-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

      // The local API's own refusals: no token, a cursor that is no integer, one given twice.
      expect((await sidecar.app.request('/v1/decisions')).status).toBe(401);
      for (const query of ['after=x', 'after=-1', 'limit=0', 'after=1&after=2']) {
        expect((await sidecar.app.request(`/v1/decisions?${query}`, { headers: { authorization: `Bearer ${TEST_LOCAL_TOKEN}` } })).status).toBe(400);
      }
    });
  });
});
