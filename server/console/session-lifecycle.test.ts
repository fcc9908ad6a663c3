import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { signInInProcess } from './testing/console-session.ts';

const ORIGIN = 'http://localhost';

/** Sessions against the attacks on them: one-time codes raced or misused, sessions outliving their account, fixation. */
describe('console sessions', () => {
  let t: TestCentre;
  beforeEach(() => {
    t = createTestCentre();
  });
  afterEach(() => t.close());

  const idOf = (name: string): number => {
    const account = t.centre.accounts.byName(name);
    if (account === undefined) throw new Error(`no account ${name}`);
    return account.id;
  };
  const codeFor = (name: string): string => t.centre.write(() => t.centre.signInCodes.issue(idOf(name), t.clock.now)).code;
  const signIn = async (token: string, cookie?: string): Promise<Response> =>
    t.app.request('/console/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...(cookie === undefined ? {} : { cookie }) },
      body: new URLSearchParams({ token }).toString(),
    });

  describe('when two browsers redeem one code at the same moment', () => {
    it('opens one session and refuses the other', async () => {
      const code = codeFor('reviewer-1');
      const statuses = (await Promise.all([signIn(code), signIn(code), signIn(code)])).map((answer) => answer.status).sort();
      expect(statuses).toEqual([303, 401, 401]);
    });
  });

  describe('when a code is redeemed after its minutes, or before it was issued', () => {
    it('refuses it, and it stays refused', async () => {
      const late = codeFor('reviewer-1');
      t.clock.now += 15 * 60_000;
      expect((await signIn(late)).status).toBe(401);
      const early = codeFor('reviewer-1');
      t.clock.now -= 60_000;
      expect((await signIn(early)).status).toBe(401);
      t.clock.now += 60_000;
      expect((await signIn(early)).status).toBe(303);
      expect((await signIn(late)).status).toBe(401);
    });
  });

  describe('when a code was issued for a provider or a disabled account', () => {
    it('opens no session', async () => {
      const provider = await signIn(codeFor('example-host'));
      expect(provider.status).toBe(403);
      expect(await provider.text()).toContain('CONSOLE_ROLE_REFUSED');
      expect(provider.headers.get('set-cookie')).toBeNull();
      const code = codeFor('auditor-1');
      t.centre.db.prepare('UPDATE accounts SET disabled_at = ? WHERE id = ?').run(t.clock.now, idOf('auditor-1'));
      const disabled = await signIn(code);
      expect(disabled.status).toBe(401);
      expect(disabled.headers.get('set-cookie')).toBeNull();
    });
  });

  describe('when the account of a session opened with a code is disabled', () => {
    it('ends the session at its next request', async () => {
      const session = await signInInProcess(t.app, codeFor('reviewer-1'));
      expect((await session.get('/console/review')).status).toBe(200);
      t.centre.db.prepare('UPDATE accounts SET disabled_at = ? WHERE id = ?').run(t.clock.now, idOf('reviewer-1'));
      const answer = await session.get('/console/review');
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe('/console/sign-in?ended=expired');
      // Ended, not merely turned away: re-enabling the account does not bring it back.
      t.centre.db.prepare('UPDATE accounts SET disabled_at = NULL WHERE id = ?').run(idOf('reviewer-1'));
      expect((await session.get('/console/review')).status).toBe(303);
    });
  });

  describe('when the account of a session is given another role', () => {
    it('ends the session rather than carry the old role on', async () => {
      const session = await signInInProcess(t.app, t.tokens.operator);
      expect((await session.get('/console/orders')).status).toBe(200);
      t.centre.db.prepare("UPDATE accounts SET role = 'auditor' WHERE id = ?").run(idOf('centre-op'));
      expect((await session.post('/console/orders', {})).status).toBe(303);
      expect((await session.get('/console/statistics')).headers.get('location')).toBe('/console/sign-in?ended=expired');
    });
  });

  describe('when another site posts a valid token to the sign-in form (login CSRF)', () => {
    it('refuses it before reading it and sets no cookie', async () => {
      const answer = await t.app.request('/console/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
        body: new URLSearchParams({ token: t.tokens.operator }).toString(),
      });
      expect(answer.status).toBe(403);
      expect(answer.headers.get('set-cookie')).toBeNull();
    });
  });

  describe('when a code or token is refused or used', () => {
    it('never shows it in the page, a header or the audit trail', async () => {
      const code = codeFor('reviewer-1');
      const used = await signIn(code);
      const again = await signIn(code);
      const wrong = await signIn(`${t.tokens.operator}x`);
      const seen = [used, again, wrong].map(async (answer) => `${JSON.stringify([...answer.headers])}${await answer.text()}`);
      const audit = JSON.stringify(t.centre.db.prepare('SELECT * FROM audit').all());
      for (const text of [...(await Promise.all(seen)), audit]) {
        expect(text).not.toContain(code.slice(4, 20));
        expect(text).not.toContain(t.tokens.operator.slice(3, 20));
      }
    });
  });

  describe('when the session cookie is set', () => {
    it('is HttpOnly and SameSite=Strict on path /, and Secure with the __Host- prefix over TLS or behind a TLS proxy', async () => {
      const plain = (await signIn(t.tokens.operator)).headers.get('set-cookie') ?? '';
      expect(plain).toMatch(/^hashfeed-console=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
      const viaProxy = await t.app.request('/console/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, 'x-forwarded-proto': 'https' },
        body: new URLSearchParams({ token: t.tokens.operator }).toString(),
      });
      const secure = viaProxy.headers.get('set-cookie') ?? '';
      expect(secure).toMatch(/^__Host-hashfeed-console=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
      expect(secure).not.toMatch(/Domain=/i);
      // The plain-HTTP name is not read over TLS: a cookie planted without Secure opens nothing there.
      const planted = `hashfeed-console=${plain.split(';')[0]?.split('=')[1] ?? ''}`;
      expect((await t.app.request('/console/statistics', { headers: { cookie: planted, 'x-forwarded-proto': 'https' } })).status).toBe(303);
    });
  });

  describe('when a browser offers a cookie value it chose', () => {
    it('is not signed in by it, and signing in sets a new secret', async () => {
      const planted = 'hashfeed-console=attacker-chosen-value';
      expect((await t.app.request('/console/statistics', { headers: { cookie: planted } })).status).toBe(303);
      const signedIn = await signIn(t.tokens.operator, planted);
      const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      expect(cookie).toMatch(/^hashfeed-console=[A-Za-z0-9_-]{43}$/);
      expect((await t.app.request('/console/statistics', { headers: { cookie: planted } })).status).toBe(303);
    });
  });

  describe('when the sign-out is posted', () => {
    it('ends the session only with the session\u2019s CSRF token, and the cookie then opens nothing', async () => {
      const session = await signInInProcess(t.app, t.tokens.operator);
      const other = await signInInProcess(t.app, t.tokens.operator);
      expect((await session.post('/console/sign-out', { csrf: other.csrf })).status).toBe(403);
      expect((await session.get('/console/statistics')).status).toBe(200);
      const out = await session.post('/console/sign-out', {});
      expect(out.status).toBe(303);
      expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
      expect((await session.get('/console/statistics')).status).toBe(303);
      expect((await other.get('/console/statistics')).status).toBe(200);
    });
  });

  describe('when a state-changing request uses another method or the header path', () => {
    it('refuses it without the token, whatever the method or override', async () => {
      const session = await signInInProcess(t.app, t.tokens.operator);
      for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const answer = await t.app.request('/console/sign-out', { method, headers: { cookie: session.cookie, origin: ORIGIN } });
        expect(answer.status, method).not.toBe(303);
      }
      const overridden = await t.app.request('/console/sign-out?_method=GET', {
        method: 'POST',
        headers: { cookie: session.cookie, origin: ORIGIN, 'x-http-method-override': 'GET', 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      expect(overridden.status).toBe(403);
      const wrongHeader = await t.app.request('/console/sign-out', {
        method: 'POST',
        headers: { cookie: session.cookie, origin: ORIGIN, 'x-csrf-token': 'x'.repeat(session.csrf.length), 'content-type': 'application/x-www-form-urlencoded' },
        body: `csrf=${session.csrf}`,
      });
      expect(wrongHeader.status).toBe(403);
      expect((await session.get('/console/statistics')).status).toBe(200);
    });
  });

  describe('when the sign-in page is asked why a session ended', () => {
    it.each(['constructor', '__proto__', 'toString', 'nope'])('shows no notice for %s, a word it does not know', async (word) => {
      const page = await (await t.app.request(`/console/sign-in?ended=${word}`)).text();
      expect(page).not.toContain('class="notice"');
    });

    it('says the session ended for expired', async () => {
      expect(await (await t.app.request('/console/sign-in?ended=expired')).text()).toContain('Your session has ended.');
    });
  });
});
