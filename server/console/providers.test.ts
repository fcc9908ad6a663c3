import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../shared/crypto/index.ts';
import { expectStatus, reviewFixture } from '../testing/review-fixture.ts';
import { startConsoleHarness, type ConsoleHarness } from './testing/console-browser.ts';

type ListedKey = { keyId: string; provider: string; status: string; approvedBy: string | null };

/** The Providers page in Debian's chromium: accounts, feed access, orders in force, and approving a pending report key. */
describe('console providers', () => {
  let harness: ConsoleHarness | null = null;
  beforeAll(async () => {
    harness = await startConsoleHarness();
    if (harness === null) return;
    const { t } = harness;
    await reviewFixture(t);
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  async function keysOf(h: ConsoleHarness, provider: string): Promise<ListedKey[]> {
    const res = await h.t.request('GET', `/v1/provider/keys?provider=${provider}`, h.t.tokens.operator);
    expect(res.status).toBe(200);
    return ((await res.json()) as { keys: ListedKey[] }).keys;
  }

  describe('when a provider has registered a report key', () => {
    it('lists it as awaiting approval, and an operator approves it there as the API would', async (ctx) => {
      if (harness === null) return ctx.skip();
      const h = harness;
      const { t } = h;
      const token = t.account('new-host', 'provider');
      const key = generateSigningKey('hashfeed/provider/new-host');
      await expectStatus(t.request('POST', '/v1/provider/keys', token, JSON.stringify({ verifierKey: key.verifier.text }), 'application/json'), 201, 'register key');

      const page = await (await h.context()).newPage();
      await h.signIn(page, t.tokens.operator);
      await page.goto('/console/providers');
      const keyRow = page.locator(`tr[data-key="${key.keyIdHex}"]`);
      await expect(keyRow.textContent()).resolves.toContain('new-host');
      await expect(keyRow.textContent()).resolves.toContain(key.verifier.text);
      // Feed access in words, from the entitlement engine: example-host under the fixture's order, new-host under none.
      await expect(page.locator('tr[data-provider="example-host"]').textContent()).resolves.toMatch(/Enabled.*1 in force.*DE-2026-0001.*Entitled \(basis: order DE-2026-0001\)/);
      await expect(page.locator('tr[data-provider="new-host"]').textContent()).resolves.toMatch(/Enabled.*0 in force.*Not entitled \(no order in force\).*0 registered, 0 active/);
      await expect(page.locator('tr[data-provider="example-host"]').getByRole('link', { name: '1 orders in force for example-host' }).getAttribute('href')).resolves.toBe(
        '/console/orders?status=active&provider=example-host',
      );
      await h.screenshot(page, 'providers');

      page.on('dialog', (dialog) => void dialog.accept());
      await keyRow.getByRole('button', { name: `Approve key ${key.keyIdHex} of new-host` }).click();
      await page.waitForURL('**/console/providers');
      await expect(page.getByRole('status').textContent()).resolves.toContain(`Approved key ${key.keyIdHex} of new-host`);
      await expect(page.locator(`tr[data-key="${key.keyIdHex}"]`).count()).resolves.toBe(0);
      expect(await keysOf(h, 'new-host')).toMatchObject([{ keyId: key.keyIdHex, status: 'approved', approvedBy: 'centre-op' }]);
      const audit = (await (await t.request('GET', '/v1/audit?limit=1000', t.tokens.admin)).json()) as { entries: { action: string; actor: string; subject: string }[] };
      expect(audit.entries).toContainEqual(expect.objectContaining({ action: 'provider-key.approve', actor: 'centre-op', subject: 'new-host' }));
    });
  });

  describe('when an operator rejects a pending key', () => {
    it('revokes it, as POST /v1/provider/keys/{keyId}/revoke does', async (ctx) => {
      if (harness === null) return ctx.skip();
      const h = harness;
      const { t } = h;
      const token = t.account('other-new-host', 'provider');
      const key = generateSigningKey('hashfeed/provider/other-new-host');
      await expectStatus(t.request('POST', '/v1/provider/keys', token, JSON.stringify({ verifierKey: key.verifier.text }), 'application/json'), 201, 'register key');
      const page = await (await h.context({ width: 390, height: 800 })).newPage();
      await h.signIn(page, t.tokens.operator);
      await page.goto('/console/providers');
      page.on('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: `Reject key ${key.keyIdHex} of other-new-host` }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain(`Rejected key ${key.keyIdHex}`);
      expect(await keysOf(h, 'other-new-host')).toMatchObject([{ keyId: key.keyIdHex, status: 'revoked' }]);
    });
  });
});
