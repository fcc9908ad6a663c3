import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import type { AccessLogEntry } from '../http/observe.ts';
import { ROLES, type Role } from '../store/accounts.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { PAGES } from './access.ts';
import { CONSOLE_ROLES } from './deps.ts';
import { POLL_HEADER } from './browser/poll-header.ts';
import { signInInProcess } from './testing/console-session.ts';

/** The console's guards, driven in process: roles per page, CSRF, headers, expiry, what reaches the log. */
describe('console', () => {
  let t: TestCentre;
  beforeEach(() => {
    t = createTestCentre();
  });
  afterEach(() => t.close());

  describe('when a role opens a page that is not for it', () => {
    it('refuses every such page, GET and POST alike, with 403 CONSOLE_FORBIDDEN', async () => {
      const refusedWrongly: string[] = [];
      for (const role of CONSOLE_ROLES) {
        const session = await signInInProcess(t.app, t.tokens[role]);
        for (const page of PAGES) {
          const allowed = page.roles.includes(role);
          for (const answer of [await session.get(`/console${page.path}`), await session.post(`/console${page.path}`, {})]) {
            const body = await answer.text();
            const refused = answer.status === 403 && body.includes('CONSOLE_FORBIDDEN');
            if (refused === allowed) refusedWrongly.push(`${role} ${page.path} ${answer.status}`);
          }
        }
      }
      expect(refusedWrongly).toEqual([]);
    });

    it('refuses every route under such a page, in any spelling of its path, GET and POST alike', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      const deep: Readonly<Record<string, readonly string[]>> = {
        '/review': ['/claim', '/qa/claim', '/counts', `/reports/${id}`, `/reports/${id}/decision`, `/reports/${id}/qa`],
        '/indicators': ['/approve', '/batches/approve'],
        '/publish': ['/', '/versions/1'],
        '/orders': ['/', '/new', '/DE-1/end'],
        '/providers': ['/keys/0011aabb/approve', '/keys/0011aabb/revoke'],
        '/inbox': ['/ack', `/reports/${id}/ack`, `/reports/${id}/hold`, `/reports/${id}/custody.json`],
      };
      // Percent-encoded, dot-segment and trailing-slash spellings of the same page.
      const spellings = (path: string): string[] => [path, `/%${path.charCodeAt(1).toString(16)}${path.slice(2)}`, `/.${path}`, `${path}/`];
      const admitted: string[] = [];
      for (const role of CONSOLE_ROLES) {
        const session = await signInInProcess(t.app, t.tokens[role]);
        for (const page of PAGES.filter((p) => !p.roles.includes(role))) {
          for (const spelling of spellings(page.path)) {
            for (const rest of deep[page.path] ?? []) {
              const path = `/console${spelling}${rest === '/' ? '' : rest}`;
              for (const answer of [await session.get(path), await session.post(path, {})]) {
                // A spelling the router does not take is 404; any other answer than 403 or 404 reached the page.
                if (answer.status !== 403 && answer.status !== 404) admitted.push(`${role} ${path} ${answer.status}`);
              }
            }
          }
        }
      }
      expect(admitted).toEqual([]);
    });

    it('records an auditor\u2019s refusals in the audit trail, as the API does', async () => {
      const auditor = await signInInProcess(t.app, t.tokens.auditor);
      expect((await auditor.post('/console/orders/DE-1/end', { reason: 'x', confirm: 'yes' })).status).toBe(403);
      expect((await auditor.get('/console/review')).status).toBe(403);
      const refused = t.centre.db.prepare("SELECT actor, subject FROM audit WHERE action = 'audit.refused' ORDER BY id").all();
      expect(refused).toEqual([
        { actor: 'auditor-1', subject: 'POST /console/orders' },
        { actor: 'auditor-1', subject: 'GET /console/review' },
      ]);
    });

    it('shows each role only its own pages in the navigation', async () => {
      for (const role of CONSOLE_ROLES) {
        const html = await (await (await signInInProcess(t.app, t.tokens[role])).get('/console/statistics')).text();
        const nav = /<nav aria-label="Console">(.*?)<\/nav>/s.exec(html)?.[1] ?? '';
        for (const page of PAGES) expect(nav.includes(`href="/console${page.path}"`), `${role} ${page.path}`).toBe(page.roles.includes(role));
      }
    });
  });

  describe('when a page is served', () => {
    it('carries a CSP without inline script, frame-ancestors none, no-referrer and no-store', async () => {
      const session = await signInInProcess(t.app, t.tokens.operator);
      for (const path of ['/console/sign-in', '/console/statistics', '/console/no-such-page']) {
        const answer = path === '/console/sign-in' ? await t.app.request(path) : await session.get(path);
        const csp = answer.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("script-src 'self'");
        expect(csp).not.toContain('unsafe-inline');
        expect(csp).toContain("frame-ancestors 'none'");
        expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
        expect(answer.headers.get('x-frame-options')).toBe('DENY');
        expect(answer.headers.get('cache-control')).toBe('no-store');
        expect(await answer.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      }
    });

    it('serves its script bundled from TypeScript and its stylesheet itself', async () => {
      const script = await t.app.request('/console/assets/console.js');
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toContain('text/javascript');
      expect(await script.text()).toMatch(/data-shortcut|shortcut/);
      const again = await t.app.request('/console/assets/console.js', { headers: { 'if-none-match': script.headers.get('etag') ?? '' } });
      expect(again.status).toBe(304);
      expect((await t.app.request('/console/assets/console.css')).headers.get('content-type')).toContain('text/css');
    });
  });

  describe('when a path names a thing by a malformed, huge, negative or unicode id', () => {
    const ids = ['-1', '0', '99999999999999999999999', '1e3', 'ﬀ', '%E2%80%AE1', '..%2F..%2Fstatistics', `${'z'.repeat(400)}%3Cb%3E`];
    it.each([
      ['reviewer', (id: string) => `/console/review/reports/${id}`],
      ['operator', (id: string) => `/console/orders/${id}/end`],
      ['operator', (id: string) => `/console/publish/versions/${id}`],
      ['authority', (id: string) => `/console/inbox/reports/${id}/custody.json`],
    ] as const)('answers 404 CONSOLE_NOT_FOUND to the %s, without echoing the id', async (role, pathOf) => {
      const session = await signInInProcess(t.app, t.tokens[role]);
      for (const id of ids) {
        const answer = await session.get(pathOf(id));
        expect(answer.status, id).toBe(404);
        const body = await answer.text();
        expect(body).toContain('CONSOLE_NOT_FOUND');
        expect(body).not.toContain('zzzzzzzzzz');
      }
    });
  });

  describe('when a form is posted', () => {
    it('refuses a post without the CSRF token, or with another session\u2019s', async () => {
      const mine = await signInInProcess(t.app, t.tokens.operator);
      const theirs = await signInInProcess(t.app, t.tokens.reviewer);
      const missing = await mine.post('/console/sign-out', { csrf: undefined });
      expect(missing.status).toBe(403);
      expect(await missing.text()).toContain('CONSOLE_CSRF_INVALID');
      expect((await mine.post('/console/sign-out', { csrf: theirs.csrf })).status).toBe(403);
      // Still signed in: nothing happened.
      expect((await mine.get('/console/statistics')).status).toBe(200);
    });

    it('refuses a form over 64 KiB with 413 BODY_TOO_LARGE, and one of over 1,000 fields, changing nothing', async () => {
      const session = await signInInProcess(t.app, t.tokens.operator);
      const large = await session.post('/console/sign-out', { pad: 'x'.repeat(70_000) });
      expect(large.status).toBe(413);
      expect(await large.text()).toContain('BODY_TOO_LARGE');
      const fields = Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`f${i}`, '']));
      const many = await session.post('/console/sign-out', fields);
      expect(many.status).toBe(400);
      expect(await many.text()).toContain('CONSOLE_FORM_INVALID');
      expect((await session.get('/console/statistics')).status).toBe(200);
    });

    it('refuses a post from another origin before reading it', async () => {
      const session = await signInInProcess(t.app, t.tokens.operator);
      const answer = await t.app.request('/console/sign-out', {
        method: 'POST',
        headers: { cookie: session.cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: `csrf=${session.csrf}`,
      });
      expect(answer.status).toBe(403);
      expect((await session.get('/console/statistics')).status).toBe(200);
    });
  });

  describe('when a session outlives what it was opened with', () => {
    it('ends it once the token is revoked', async () => {
      const session = await signInInProcess(t.app, t.tokens.operator);
      const principal = t.centre.accounts.authenticate(t.tokens.operator);
      if (principal === undefined) throw new Error('no operator');
      t.centre.write(() => t.centre.accounts.revokeToken(principal.tokenId, t.clock.now));
      const answer = await session.get('/console/statistics');
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe('/console/sign-in?ended=expired');
    });

    it('ends it 30 minutes after the person\u2019s last request, however often the script polled the counts meanwhile', async () => {
      const session = await signInInProcess(t.app, t.tokens.reviewer);
      // A queue page left open on an unattended desk: the script asks for the counts every 15 s.
      for (let polled = 0; polled < 31 * 4; polled++) {
        t.clock.now += 15_000;
        const counts = await t.app.request('/console/review/counts', { headers: { cookie: session.cookie, accept: 'application/json', [POLL_HEADER]: '1' } });
        if (counts.status !== 200) break;
      }
      const answer = await session.get('/console/review');
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe('/console/sign-in?ended=expired');
    });

    it('ends it 12 hours after sign-in however active it was', async () => {
      const session = await signInInProcess(t.app, t.tokens.operator);
      // A request every 25 minutes keeps it from idling out, until 12 hours have passed since sign-in.
      for (let step = 1; step * 25 < 12 * 60; step++) {
        t.clock.now += 25 * 60_000;
        expect((await session.get('/console/statistics')).status).toBe(200);
      }
      t.clock.now += 25 * 60_000;
      expect((await session.get('/console/statistics')).status).toBe(303);
    });
  });

  describe('when tokens are guessed through the sign-in form', () => {
    it('charges the API\u2019s budget of failed authentications, then answers 429 with Retry-After', async () => {
      const guarded = createTestCentre({ authFailureLimit: { burst: 3, perSecond: 0.01 } });
      try {
        const guess = async (): Promise<Response> =>
          guarded.app.request('/console/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' }, body: 'token=hf_nope' });
        for (let i = 0; i < 3; i++) expect((await guess()).status).toBe(401);
        const blocked = await guess();
        expect(blocked.status).toBe(429);
        expect(await blocked.text()).toContain('CONSOLE_RATE_LIMITED');
        expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
        // The same client is blocked on the API too: one budget.
        expect((await guarded.request('GET', '/v1/orders', guarded.tokens.operator)).status).toBe(429);
      } finally {
        guarded.close();
      }
    });

    it('weighs no more guesses than the budget when they all arrive at once', async () => {
      const guarded = createTestCentre({ authFailureLimit: { burst: 3, perSecond: 0.01 } });
      try {
        const guess = async (): Promise<Response> =>
          guarded.app.request('/console/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' }, body: 'token=hf_nope' });
        // Each body is read asynchronously: a budget checked before the read lets every parallel guess through.
        const statuses = (await Promise.all(Array.from({ length: 20 }, guess))).map((answer) => answer.status);
        expect(statuses.filter((status) => status === 401)).toHaveLength(3);
        expect(statuses.filter((status) => status === 429)).toHaveLength(17);
      } finally {
        guarded.close();
      }
    });
  });

  describe('when a token signs in', () => {
    it('never appears in the access log, a page or a header', async () => {
      const entries: AccessLogEntry[] = [];
      const app = createApp({ centre: t.centre, clock: () => t.clock.now, accessLog: (entry) => entries.push(entry) });
      const session = await signInInProcess(app, t.tokens.reviewer);
      const page = await session.get('/console/statistics');
      const everything = JSON.stringify(entries) + (await page.text()) + JSON.stringify([...page.headers]) + session.cookie;
      expect(entries.length).toBeGreaterThan(0);
      expect(everything).not.toContain(t.tokens.reviewer);
      expect(everything).not.toContain(t.tokens.reviewer.slice(3, 20));
    });

    it.each(ROLES.filter((role): role is Role => !CONSOLE_ROLES.includes(role)))('refuses a %s token with CONSOLE_ROLE_REFUSED', async (role) => {
      const answer = await t.app.request('/console/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
        body: new URLSearchParams({ token: t.tokens[role] }).toString(),
      });
      expect(answer.status).toBe(403);
      expect(await answer.text()).toContain('CONSOLE_ROLE_REFUSED');
      expect(answer.headers.get('set-cookie')).toBeNull();
    });
  });
});
