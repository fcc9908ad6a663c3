import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleHarness, type ConsoleHarness } from './testing/console-browser.ts';

/** Sign-in, sessions and the refusals around them, in Debian's chromium against a Centre on loopback. */
describe('console sign-in', () => {
  let harness: ConsoleHarness | null = null;
  beforeAll(async () => {
    harness = await startConsoleHarness();
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  describe('when a reviewer signs in with their token', () => {
    it('lands on the review queue with a session cookie the page cannot read, and signs out', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const context = await harness.context();
      const page = await context.newPage();
      await harness.signIn(page, t.tokens.reviewer);
      expect(new URL(page.url()).pathname).toBe('/console/review');
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({ name: 'hashfeed-console', httpOnly: true, sameSite: 'Strict', path: '/' });
      expect(await page.evaluate('document.cookie')).toBe('');
      expect(await page.content()).not.toContain(t.tokens.reviewer);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/console/sign-in?ended=signed-out');
      await expect(page.getByRole('status').textContent()).resolves.toContain('You have signed out');
      await page.goto('/console/statistics');
      expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    });
  });

  describe('when a provider token is offered', () => {
    it('refuses it with CONSOLE_ROLE_REFUSED and opens no session', async (ctx) => {
      if (harness === null) return ctx.skip();
      const context = await harness.context();
      const page = await context.newPage();
      await page.goto('/console/sign-in');
      await page.getByLabel('Account token or one-time sign-in code').fill(harness.t.tokens.provider);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toContain('CONSOLE_ROLE_REFUSED');
      expect(await context.cookies()).toEqual([]);
    });
  });

  describe('when a form is posted without its CSRF token', () => {
    it('refuses it with CONSOLE_CSRF_INVALID and changes nothing', async (ctx) => {
      if (harness === null) return ctx.skip();
      const context = await harness.context();
      const page = await context.newPage();
      await harness.signIn(page, harness.t.tokens.operator);
      // The sign-out form, stripped of its token: a same-origin post that only the synchronizer token tells from a forgery.
      await page.locator('form[action="/console/sign-out"] input[name="csrf"]').evaluate((input) => input.remove());
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toContain('CONSOLE_CSRF_INVALID');
      await page.goto('/console/statistics');
      expect(new URL(page.url()).pathname).toBe('/console/statistics');
    });
  });

  describe('when the session has been idle past its limit', () => {
    it('returns to sign-in and says the session ended', async (ctx) => {
      if (harness === null) return ctx.skip();
      const context = await harness.context();
      const page = await context.newPage();
      await harness.signIn(page, harness.t.tokens.operator);
      harness.t.clock.now += 31 * 60_000;
      try {
        await page.goto('/console/statistics');
        expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/console/sign-in?ended=expired');
        await expect(page.getByRole('status').textContent()).resolves.toContain('Your session has ended');
      } finally {
        harness.t.clock.now -= 31 * 60_000;
      }
    });
  });

  describe('when a one-time sign-in code is used', () => {
    it('signs in once and refuses the same code a second time', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const reviewer = t.centre.accounts.byName('reviewer-1');
      if (reviewer === undefined) throw new Error('no reviewer account');
      const { code } = t.centre.write(() => t.centre.signInCodes.issue(reviewer.id, t.clock.now));
      const first = await (await harness.context()).newPage();
      await harness.signIn(first, code);
      expect(new URL(first.url()).pathname).toBe('/console/review');
      const second = await (await harness.context()).newPage();
      await second.goto('/console/sign-in');
      await second.getByLabel('Account token or one-time sign-in code').fill(code);
      await second.getByRole('button', { name: 'Sign in' }).click();
      await expect(second.getByRole('alert').textContent()).resolves.toContain('CONSOLE_SIGN_IN_REFUSED');
    });
  });
});
