import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from './store/accounts.ts';
import { createTestCentre, type TestCentre } from './testing/test-centre.ts';

/** Every route and who may call it; 'public' routes take no token. */
const ROUTES: readonly [method: string, path: string, allowed: readonly Role[] | 'public'][] = [
  ['GET', '/v1/accounts', ['admin']],
  ['POST', '/v1/accounts', ['admin']],
  ['GET', '/v1/accounts/admin/tokens', ['admin']],
  ['POST', '/v1/accounts/admin/tokens', ['admin']],
  ['POST', '/v1/tokens/999/revoke', ['admin']],
  ['GET', '/v1/audit', ['admin']],
  ['POST', '/v1/indicators', ['authority']],
  ['POST', '/v1/indicators/1/revoke', ['authority']],
  ['POST', '/v1/indicators/1/approve', ['operator']],
  ['POST', '/v1/batches/1/approve', ['operator']],
  ['GET', '/v1/indicators', ['operator', 'authority']],
  ['GET', '/v1/indicators/1', ['operator', 'authority']],
  ['POST', '/v1/publish', ['operator']],
  ['GET', '/v1/feed/timestamp', ['provider', 'auditor']],
  ['GET', '/v1/feed/keys', ['provider', 'auditor']],
  ['GET', '/v1/feed/deltas?since=0', ['provider', 'auditor']],
  ['GET', '/v1/feed/deltas/1', ['provider', 'auditor']],
  ['GET', '/v1/feed/snapshot', ['provider', 'auditor']],
  ['GET', '/v1/feed/snapshots/1', ['provider', 'auditor']],
  ['POST', '/v1/orders', ['operator']],
  ['GET', '/v1/orders', ['operator']],
  ['POST', '/v1/orders/DE-1/end', ['operator']],
  ['GET', '/v1/feed/orders', ['provider']],
  ['POST', '/v1/provider/keys', ['provider']],
  ['GET', '/v1/provider/keys', ['operator']],
  ['POST', '/v1/provider/keys/0123abcd/approve', ['operator']],
  ['POST', '/v1/provider/keys/0123abcd/revoke', ['operator']],
  ['POST', '/v1/reports', ['provider']],
  ['GET', '/v1/reports', ['operator']],
  ['GET', '/v1/reports/refusals', ['operator']],
  ['GET', '/v1/review/next', ['reviewer']],
  ['GET', '/v1/review/qa/next', ['reviewer']],
  ['GET', '/v1/review/reports/00000000-0000-4000-8000-000000000000', ['reviewer']],
  ['POST', '/v1/review/reports/00000000-0000-4000-8000-000000000000/decision', ['reviewer']],
  ['POST', '/v1/review/reports/00000000-0000-4000-8000-000000000000/reopen', ['reviewer']],
  ['POST', '/v1/review/reports/00000000-0000-4000-8000-000000000000/qa', ['reviewer']],
  ['GET', '/v1/inbox/reports', ['authority', 'europol']],
  ['POST', '/v1/inbox/reports/00000000-0000-4000-8000-000000000000/ack', ['authority', 'europol']],
  ['POST', '/v1/inbox/reports/00000000-0000-4000-8000-000000000000/hold', ['authority', 'europol']],
  ['GET', '/metrics', ['operator', 'admin']],
  ['GET', '/v1/log/checkpoint', 'public'],
  ['GET', '/v1/log/leaves', 'public'],
  ['GET', '/v1/log/proof/consistency?from=1&to=1', 'public'],
  ['GET', '/v1/log/proof/consistency/1/1', 'public'],
  ['GET', '/v1/log/proof/inclusion?version=1&size=1', 'public'],
  ['GET', '/v1/log/proof/inclusion/delta/1/1', 'public'],
  ['GET', '/healthz', 'public'],
  ['GET', '/v1/transparency', 'public'],
];

describe('authorisation', () => {
  let t: TestCentre;
  beforeAll(() => {
    t = createTestCentre();
  });
  afterAll(() => t.close());

  describe.each(ROUTES.filter(([, , allowed]) => allowed !== 'public'))('%s %s', (method, path, allowed) => {
    it('refuses a request without a token with 401 AUTH_MISSING', async () => {
      const res = await t.request(method, path);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AUTH_MISSING');
    });

    it('refuses an unknown token with 401 AUTH_INVALID', async () => {
      const res = await t.request(method, path, 'hf_not-a-real-token');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AUTH_INVALID');
    });

    it.each(ROLES)('lets a %s token through only if the role is allowed', async (role) => {
      const res = method === 'GET' ? await t.request(method, path, t.tokens[role]) : await t.request(method, path, t.tokens[role], '{}', 'application/json');
      if (allowed.includes(role)) expect([401, 403]).not.toContain(res.status);
      else {
        expect(res.status).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AUTH_FORBIDDEN');
      }
    });
  });

  describe.each(ROUTES.filter(([, , allowed]) => allowed === 'public'))('public %s %s', (method, path) => {
    it('needs no token', async () => {
      expect([401, 403]).not.toContain((await t.request(method, path)).status);
    });
  });

  describe('a revoked token', () => {
    it('stops working at once', async () => {
      const res = await t.request('POST', '/v1/accounts/example-host/tokens', t.tokens.admin, '{}', 'application/json');
      const { token, tokenId } = (await res.json()) as { token: string; tokenId: number };
      expect((await t.request('GET', '/v1/feed/keys', token)).status).toBe(200);
      expect((await t.request('POST', `/v1/tokens/${tokenId}/revoke`, t.tokens.admin)).status).toBe(200);
      expect((await t.request('GET', '/v1/feed/keys', token)).status).toBe(401);
    });
  });

  describe('an authority', () => {
    it('sees only the indicators it confirmed', async () => {
      const other = t.account('FR-OCRVP', 'authority');
      const hash = 'ab'.repeat(32);
      await t.request('POST', '/v1/indicators', other, JSON.stringify({ algorithm: 'pdq', hash, category: 'A1', reference: 'fr-1' }), 'application/json');
      const mine = (await (await t.request('GET', '/v1/indicators', t.tokens.authority)).json()) as { indicators: { hash: string }[] };
      expect(mine.indicators.map((i) => i.hash)).not.toContain(hash);
      const theirs = (await (await t.request('GET', '/v1/indicators', other)).json()) as { indicators: { hash: string }[] };
      expect(theirs.indicators.map((i) => i.hash)).toContain(hash);
    });
  });

  describe('the public transparency report', () => {
    it('never contains a hash', async () => {
      const hash = 'cd'.repeat(32);
      const sub = await t.request('POST', '/v1/indicators', t.tokens.authority, JSON.stringify({ algorithm: 'pdq', hash, category: 'A1', reference: 'x' }), 'application/json');
      const { batchId } = (await sub.json()) as { batchId: number };
      await t.request('POST', `/v1/batches/${batchId}/approve`, t.tokens.operator);
      await t.request('POST', '/v1/publish', t.tokens.operator);
      const text = await (await t.request('GET', '/v1/transparency')).text();
      expect(text).toContain('"version":');
      expect(text).not.toContain(hash);
    });
  });
});

describe('failed authentication', () => {
  let t: TestCentre;
  beforeAll(() => {
    t = createTestCentre({ authFailureLimit: { burst: 3, perSecond: 0.1 } });
  });
  afterAll(() => t.close());

  describe('when one client sends bad tokens repeatedly', () => {
    it('answers 429 with Retry-After once its failures are spent, even for a good token, until they refill', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await t.request('GET', '/v1/feed/keys', `hf_guess-${i}`)).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      const blocked = await t.request('GET', '/v1/feed/keys', t.tokens.provider);
      expect(blocked.status).toBe(429);
      expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      t.clock.now += 10_000;
      expect((await t.request('GET', '/v1/feed/keys', t.tokens.provider)).status).toBe(200);
    });
  });
});
