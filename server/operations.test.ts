import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import type { AccessLogEntry } from './http/observe.ts';
import { createCentreMetrics } from './http/metrics.ts';
import { createTestCentre, type TestCentre } from './testing/test-centre.ts';

describe('Centre operations', () => {
  let t: TestCentre;
  beforeEach(() => {
    t = createTestCentre();
  });
  afterEach(() => t.close());

  const scrape = async (token = t.tokens.operator, app = t.app): Promise<Response> => app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });

  describe('/metrics', () => {
    describe('when called without an operator or admin token', () => {
      it.each([
        ['no token', undefined, 401, 'AUTH_MISSING'],
        ['a provider token', 'provider', 403, 'AUTH_FORBIDDEN'],
        ['an authority token', 'authority', 403, 'AUTH_FORBIDDEN'],
      ] as const)('refuses %s', async (_name, role, status, code) => {
        const res = await t.app.request('/metrics', { headers: role === undefined ? {} : { authorization: `Bearer ${t.tokens[role]}` } });
        expect(res.status).toBe(status);
        expect(await res.json()).toMatchObject({ error: { code } });
      });
    });

    describe('when requests were served', () => {
      it('counts them by route pattern, method and status as counters, never by raw path', async () => {
        const admin = { authorization: `Bearer ${t.tokens.admin}` };
        expect((await t.app.request('/v1/accounts/admin/tokens', { headers: admin })).status).toBe(200);
        expect((await t.app.request('/v1/accounts/nobody-at-all/tokens', { headers: admin })).status).toBe(404);
        expect((await t.app.request('/no/such/place?secret=1')).status).toBe(404);
        const res = await scrape();
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
        const text = await res.text();
        expect(text).toContain('# TYPE hashfeed_http_requests_total counter');
        expect(text).toContain('# TYPE hashfeed_http_request_duration_seconds histogram');
        expect(text).toContain('hashfeed_http_requests_total{method="GET",route="/v1/accounts/:name/tokens",status="200"} 1');
        expect(text).toContain('hashfeed_http_requests_total{method="GET",route="/v1/accounts/:name/tokens",status="404"} 1');
        expect(text).toContain('hashfeed_http_requests_total{method="GET",route="unmatched",status="404"} 1');
        expect(text).toMatch(/hashfeed_http_request_duration_seconds_count\{method="GET",route="\/v1\/accounts\/:name\/tokens",status="200"\} 1/);
        expect(text).toContain('hashfeed_feed_version 0');
        for (const raw of ['nobody-at-all', 'no/such', 'secret', t.tokens.admin]) expect(text).not.toContain(raw);
      });

      it('also accepts an admin token', async () => {
        expect((await scrape(t.tokens.admin)).status).toBe(200);
      });
    });

    describe('when process metrics are enabled (as serveCentre does)', () => {
      it('exposes the default process metrics', async () => {
        const app = createApp({ centre: t.centre, clock: () => t.clock.now, metrics: createCentreMetrics({ centre: t.centre, processMetrics: true }) });
        const text = await (await scrape(t.tokens.operator, app)).text();
        expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
        expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
      });
    });
  });

  describe('access log', () => {
    describe('when requests carry tokens, query strings and bodies', () => {
      it('logs the method, route pattern, status, duration and account, and none of those', async () => {
        const entries: AccessLogEntry[] = [];
        const app = createApp({ centre: t.centre, clock: () => t.clock.now, accessLog: (entry) => entries.push(entry) });
        const body = JSON.stringify({ name: 'secret-body-name', role: 'provider' });
        await app.request('/v1/accounts?token=query-secret', { method: 'POST', headers: { authorization: `Bearer ${t.tokens.admin}`, 'content-type': 'application/json' }, body });
        await app.request('/v1/accounts/admin/tokens?x=query-secret', { headers: { authorization: `Bearer ${t.tokens.admin}` } });
        await app.request('/v1/accounts', { headers: { authorization: 'Bearer hf_not-a-real-token' } });
        expect(entries).toEqual([
          { method: 'POST', route: '/v1/accounts', status: 201, durationMs: expect.any(Number), account: 'admin' },
          { method: 'GET', route: '/v1/accounts/:name/tokens', status: 200, durationMs: expect.any(Number), account: 'admin' },
          { method: 'GET', route: '/v1/accounts', status: 401, durationMs: expect.any(Number) },
        ]);
        const logged = JSON.stringify(entries);
        for (const secret of [t.tokens.admin, 'hf_not-a-real-token', 'query-secret', 'secret-body-name']) expect(logged).not.toContain(secret);
      });
    });
    describe('when a body is refused before any route runs', () => {
      it('logs and counts the 413 like any other answer', async () => {
        const entries: AccessLogEntry[] = [];
        const app = createApp({ centre: t.centre, clock: () => t.clock.now, accessLog: (entry) => entries.push(entry) });
        const res = await app.request('/v1/reports', { method: 'POST', headers: { 'content-type': 'application/msgpack', 'content-length': String(1 << 30) }, body: 'x' });
        expect(res.status).toBe(413);
        expect(entries).toEqual([{ method: 'POST', route: '/v1/reports', status: 413, durationMs: expect.any(Number) }]);
        expect(await (await scrape(t.tokens.operator, app)).text()).toContain('hashfeed_http_requests_total{method="POST",route="/v1/reports",status="413"} 1');
      });
    });
  });

  describe('request timeout', () => {
    describe('when a handler has not answered within the bound', () => {
      it('answers 503 REQUEST_TIMEOUT and counts it', async () => {
        const app = createApp({ centre: t.centre, clock: () => t.clock.now, requestTimeoutMs: 50 });
        // A body that never ends: the handler waits for it forever.
        const endless = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new TextEncoder().encode('{"name":')) });
        const res = await app.request('/v1/accounts', { method: 'POST', headers: { authorization: `Bearer ${t.tokens.admin}`, 'content-type': 'application/json' }, body: endless, duplex: 'half' });
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({ error: { code: 'REQUEST_TIMEOUT' } });
        expect(await (await scrape(t.tokens.operator, app)).text()).toContain('hashfeed_http_requests_total{method="POST",route="/v1/accounts",status="503"} 1');
      });
    });
  });
});
