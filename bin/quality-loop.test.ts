import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createSidecar, type Sidecar } from '../client/sidecar/sidecar.ts';
import { generateImage } from '../fixtures/index.ts';
import { getAlgorithm, hashImage } from '../shared/hashing/index.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
import { sidecarConfigFor, TEST_LOCAL_TOKEN } from './testing/sidecar-config.ts';

const MINUTE = 60_000;
const PROVIDERS = ['example-host', 'other-host', 'third-host'];
const dirs = tempDirs();
const sidecars: Sidecar[] = [];

afterEach(async () => {
  try {
    await Promise.all(sidecars.splice(0).map((s) => s.stop()));
    await stopLoopbackCentres();
  } finally {
    dirs.removeAll();
  }
});

async function call(centre: LoopbackCentre, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${centre.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });
  const json: unknown = res.status === 204 ? {} : await res.json();
  return { status: res.status, json: typeof json === 'object' && json !== null ? Object.fromEntries(Object.entries(json)) : {} };
}

async function matchCount(sidecar: Sidecar, image: Uint8Array): Promise<number> {
  const res = await sidecar.app.request('/v1/scan?surface=uploads&subject=user:alice', {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_LOCAL_TOKEN}`, 'content-type': 'application/octet-stream' },
    body: image,
  });
  expect(res.status).toBe(200);
  const json: unknown = await res.json();
  const matches = typeof json === 'object' && json !== null && 'matches' in json && Array.isArray(json.matches) ? json.matches : [];
  return matches.length;
}

describe('the indicator quality loop, end to end', () => {
  describe('when three providers report the same indicator and reviewers judge all three indicator_error', () => {
    it('suspends it, the next delta tombstones it, and no sidecar matches it any more', async () => {
      // Policy `order`, the Centre's default: each provider reads the feed by its own order.
      const centre = await startLoopbackCentre({ accessPolicy: 'order' });
      const image = await generateImage({ family: 'scenes', seed: 1101, width: 320, height: 240, format: 'png' });
      const { results } = await hashImage(image, { algorithms: ['pdq'], mode: 'exact' });
      const hash = getAlgorithm('pdq').format(results[0]?.hash ?? new Uint8Array(32));
      await centre.publish([{ algorithm: 'pdq', hash, category: 'B1' }]);

      const now = Date.now();
      for (const [i, provider] of PROVIDERS.entries()) {
        let token = centre.tokens.provider;
        if (provider !== 'example-host') {
          expect((await call(centre, centre.tokens.admin, 'POST', '/v1/accounts', { name: provider, role: 'provider' })).status).toBe(201);
          const issued = await call(centre, centre.tokens.admin, 'POST', `/v1/accounts/${provider}/tokens`, {});
          token = String(issued.json.token);
        }
        const order = { orderId: `QL-${i}`, issuingAuthority: 'Amtsgericht Köln', legalReference: `Az. ${i}`, provider, surfaces: ['uploads'], targets: { users: ['alice'], groups: [], channels: [] }, notBefore: now - MINUTE, notAfter: now + 60 * MINUTE, memberState: 'DE' };
        expect((await call(centre, centre.tokens.operator, 'POST', '/v1/orders', order)).status).toBe(201);
        const dataDir = dirs.make(`hf-quality-${provider}-`);
        const sidecar = await createSidecar({ config: sidecarConfigFor(centre, dataDir, { provider, providerToken: token }), logger: pino({ level: 'silent' }) });
        sidecars.push(sidecar);
        // As each provider does before it can read the sealed feed: its report key, and the encryption key it signs, pending until an operator approves the report key.
        await sidecar.registerKey();
        expect(await sidecar.registerEncryptionKey()).toMatchObject({ status: 'pending' });
        expect(await centre.approveProviderKeys(provider)).toBe(1);
        await sidecar.syncOnce();
        expect(sidecar.health()).toMatchObject({ status: 'ok', replicaVersion: 1 });
        expect(await matchCount(sidecar, image)).toBe(1);
        await sidecar.deliverReports();
      }

      // Three bundles (one per provider), each judged indicator_error.
      for (let i = 0; i < PROVIDERS.length; i++) {
        const claimed = await call(centre, centre.tokens.reviewer, 'GET', '/v1/review/next');
        expect(claimed.status).toBe(200);
        const reportId = String(Reflect.get(claimed.json.report ?? {}, 'reportId'));
        const decided = await call(centre, centre.tokens.reviewer, 'POST', `/v1/review/reports/${reportId}/decision`, { decision: 'unfounded', reason: 'indicator_error', comment: 'The picture is not what the indicator says.' });
        expect(decided.status).toBe(200);
      }
      expect((await call(centre, centre.tokens.reviewer, 'GET', '/v1/review/next')).status).toBe(204);

      const published = await call(centre, centre.tokens.operator, 'POST', '/v1/publish');
      expect(published.json).toMatchObject({ adds: 0, removes: 1 });
      const queue = await call(centre, centre.tokens.authority, 'GET', '/v1/indicators?status=suspended');
      expect(queue.json.indicators).toMatchObject([{ hash, status: 'suspended', revokedReason: 'SUSPENDED', quality: { providers: 3 } }]);

      for (const sidecar of sidecars) {
        await sidecar.syncOnce();
        expect(await matchCount(sidecar, image)).toBe(0);
      }
    });
  });
});
