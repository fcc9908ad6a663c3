import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleOrder } from '../../shared/testing/sample-order.ts';
import { expectStatus } from '../testing/review-fixture.ts';
import { startConsoleHarness, type ConsoleHarness } from './testing/console-browser.ts';

const DAY = 86_400_000;
const utc = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

type ListedOrder = { orderId: string; status: string; endedBy: string | null; targets: { users: string[] } };
type Leaf = { kind: string; version: number };

/** The Orders page in Debian's chromium: register (refused, then accepted), list by status, end early; the API agrees. */
describe('console orders', () => {
  let harness: ConsoleHarness | null = null;
  beforeAll(async () => {
    harness = await startConsoleHarness();
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  async function apiOrders(h: ConsoleHarness): Promise<ListedOrder[]> {
    const res = await h.t.request('GET', '/v1/orders', h.t.tokens.operator);
    expect(res.status).toBe(200);
    return ((await res.json()) as { orders: ListedOrder[] }).orders;
  }

  async function fillValid(page: Page, now: number): Promise<void> {
    await page.getByLabel('Order id').fill('DE-2026-0777');
    await page.getByLabel('Provider').selectOption('example-host');
    await page.getByLabel('Issuing authority').fill('Amtsgericht München');
    await page.getByLabel('Member State').fill('DE');
    await page.getByLabel('Legal reference').fill('Az. 12 Gs 777/26');
    await page.getByLabel('Surfaces').fill('public-posts\ngroups');
    await page.getByLabel('Users').fill('u-1\nu-2\nu-3');
    await page.getByLabel('Groups').fill('g-1');
    await page.getByLabel('Channels').fill('');
    await page.getByLabel('In force from (UTC)').fill(utc(now - 60_000 * 60));
    await page.getByLabel('In force until (UTC)').fill(utc(now + 30 * DAY));
  }

  describe('when an operator registers an order and ends it early', () => {
    it('shows each invalid field its message and stores nothing, then registers, lists it in force, ends it with a reason, and the API agrees', async (ctx) => {
      if (harness === null) return ctx.skip();
      const h = harness;
      const { t } = h;
      const page = await (await h.context()).newPage();
      await h.signIn(page, t.tokens.operator);
      await page.goto('/console/orders');
      await page.getByRole('link', { name: 'Register an order' }).click();

      // Invalid: a bad id, no provider, a bad Member State, no targets, a window that ends before it starts.
      await fillValid(page, t.clock.now);
      await page.getByLabel('Order id').fill('has spaces/and slash');
      await page.getByLabel('Provider').selectOption('');
      await page.getByLabel('Member State').fill('XX');
      await page.getByLabel('Users').fill('');
      await page.getByLabel('Groups').fill('');
      await page.getByLabel('In force until (UTC)').fill('not a date');
      await page.getByRole('button', { name: 'Register order' }).click();
      await expect(page.getByRole('alert').first().textContent()).resolves.toContain('need correcting');
      for (const name of ['orderId', 'provider', 'memberState', 'notAfter']) {
        await expect(page.locator(`#field-${name}-error`).count(), name).resolves.toBe(1);
        await expect(page.locator(`#field-${name}`).getAttribute('aria-invalid'), name).resolves.toBe('true');
      }
      await expect(page.locator('#field-memberState-error').textContent()).resolves.toContain('ISO 3166-1 alpha-2');
      // In sentences for a person, not the schema's wording for API clients.
      await expect(page.locator('#field-orderId-error').textContent()).resolves.toContain('as the court wrote it');
      await expect(page.locator('#field-provider-error').textContent()).resolves.toContain('Choose the provider');
      await expect(page.locator('#field-notAfter-error').textContent()).resolves.toContain('UTC');
      await expect(page.locator('#targets-error').count()).resolves.toBe(0); // checked once the schema passes: shown with the registry's message below
      // What was typed is kept.
      await expect(page.getByLabel('Order id').inputValue()).resolves.toBe('has spaces/and slash');
      await expect(page.getByLabel('Legal reference').inputValue()).resolves.toBe('Az. 12 Gs 777/26');
      await h.screenshot(page, 'orders-register-invalid');
      expect(await apiOrders(h)).toEqual([]);

      // Valid fields, but no target at all: the wire guard's rule, shown beside the targets.
      await fillValid(page, t.clock.now);
      await page.getByLabel('Users').fill('');
      await page.getByLabel('Groups').fill('');
      await page.getByRole('button', { name: 'Register order' }).click();
      await expect(page.locator('#field-users-error, #targets-error').first().textContent()).resolves.toContain('at least one user, group or channel');
      expect(await apiOrders(h)).toEqual([]);

      await fillValid(page, t.clock.now);
      await page.getByRole('button', { name: 'Register order' }).click();
      await page.waitForURL('**/console/orders');
      await expect(page.getByRole('status').textContent()).resolves.toContain('Registered order DE-2026-0777');
      await page.getByRole('link', { name: 'In force', exact: true }).click();
      const row = page.locator('tr[data-order="DE-2026-0777"]');
      await expect(row.textContent()).resolves.toMatch(/In force.*example-host.*Amtsgericht München.*Member State: DE.*Az\. 12 Gs 777\/26.*public-posts, groups.*3 users, 1 group, 0 channels/);
      await expect(row.textContent()).resolves.not.toContain('u-1');
      await h.screenshot(page, 'orders-list');
      expect(await apiOrders(h)).toMatchObject([{ orderId: 'DE-2026-0777', status: 'active', targets: { users: ['u-1', 'u-2', 'u-3'] } }]);

      // End early: the reason is required.
      await row.getByRole('link', { name: 'End order DE-2026-0777 early' }).click();
      page.on('dialog', (dialog) => void dialog.accept());
      await page.getByLabel('I confirm ending this order now').check();
      await page.getByRole('button', { name: 'End order early' }).click();
      await expect(page.locator('#field-reason-error').textContent()).resolves.toContain('reason');
      expect((await apiOrders(h))[0]?.status).toBe('active');
      await page.getByLabel('Reason for ending it early').fill('the court set the order aside');
      await page.getByLabel('I confirm ending this order now').check();
      await page.getByRole('button', { name: 'End order early' }).click();
      await page.waitForURL('**/console/orders?status=ended');
      await expect(page.getByRole('status').textContent()).resolves.toContain('Ended order DE-2026-0777 early');
      await expect(page.locator('tr[data-order="DE-2026-0777"]').textContent()).resolves.toMatch(/Ended early on .* by centre-op/);

      expect(await apiOrders(h)).toMatchObject([{ orderId: 'DE-2026-0777', status: 'ended', endedBy: 'centre-op' }]);
      // Committed to in the log as through the API: a registration leaf and an end leaf for order 1.
      const leaves = ((await (await t.request('GET', '/v1/log/leaves?limit=1000')).json()) as { leaves: Leaf[] }).leaves;
      expect(leaves.filter((l) => l.kind.startsWith('order'))).toEqual([expect.objectContaining({ kind: 'order', version: 1 }), expect.objectContaining({ kind: 'order-end', version: 1 })]);
      const audited = (await (await t.request('GET', '/v1/audit/orders', t.tokens.auditor)).json()) as { orders: { end: { reason: string } | null }[] };
      expect(audited.orders[0]?.end?.reason).toBe('the court set the order aside');
    }, 30_000);
  });

  describe('when an order id holds a colon', () => {
    it('opens its end page from the list and ends it there', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const body = { ...sampleOrder(t.clock.now + DAY, { orderId: 'DE:2026:0099', notAfter: t.clock.now + 10 * DAY }), memberState: 'DE' };
      await expectStatus(t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify(body), 'application/json'), 201, 'order');
      const page = await (await harness.context()).newPage();
      await harness.signIn(page, t.tokens.operator);
      await page.goto('/console/orders?status=scheduled');
      await page.getByRole('link', { name: 'End order DE:2026:0099 early' }).click();
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('End order DE:2026:0099 early');
      page.on('dialog', (dialog) => void dialog.accept());
      await page.getByLabel('Reason for ending it early').fill('registered in error');
      await page.getByLabel('I confirm ending this order now').check();
      await page.getByRole('button', { name: 'End order early' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain('Ended order DE:2026:0099 early');
      expect((await apiOrders(harness)).find((o) => o.orderId === 'DE:2026:0099')?.status).toBe('ended');
    });
  });

  describe('when the list is filtered by a status nothing has', () => {
    it('says so in words', async (ctx) => {
      if (harness === null) return ctx.skip();
      const page = await (await harness.context({ width: 390, height: 800 })).newPage();
      await harness.signIn(page, harness.t.tokens.operator);
      await page.goto('/console/orders?status=lapsed');
      await expect(page.locator('main').textContent()).resolves.toContain('No orders here.');
      await expect(page.getByRole('link', { name: 'Expired' }).getAttribute('aria-current')).resolves.toBe('page');
    });
  });

  describe('when the status filter is not one of the statuses', () => {
    it('refuses it with CONSOLE_FORM_INVALID', async (ctx) => {
      if (harness === null) return ctx.skip();
      const page = await (await harness.context()).newPage();
      await harness.signIn(page, harness.t.tokens.operator);
      const res = await page.goto('/console/orders?status=everything');
      expect(res?.status()).toBe(400);
      await expect(page.getByRole('alert').textContent()).resolves.toContain('CONSOLE_FORM_INVALID');
    });
  });
});
