import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../testing/review-fixture.ts';
import type { TestCentre } from '../testing/test-centre.ts';
import { startConsoleHarness, type ConsoleHarness } from './testing/console-browser.ts';

const row = (category: string, hash = randomBytes(32).toString('hex')) => ({ algorithm: 'pdq', hash, category, reference: `case-${category}` });

const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Submits `rows` as `token`'s authority; returns the batch and its indicators' ids in row order. */
async function submit(t: TestCentre, token: string, rows: readonly { hash: string }[]): Promise<{ batch: number; ids: number[] }> {
  const res = await expectStatus(t.request('POST', '/v1/indicators', token, JSON.stringify(rows), 'application/json'), 201, 'submit');
  const batch = Number(Reflect.get(Object(await res.json()), 'batchId'));
  const listed = Object(await (await t.request('GET', `/v1/indicators?batch=${batch}`, t.tokens.operator)).json());
  const indicators = arrayOf(Reflect.get(listed, 'indicators'));
  const byHash = new Map(indicators.map((i) => [String(Reflect.get(Object(i), 'hash')), Number(Reflect.get(Object(i), 'id'))]));
  return { batch, ids: rows.map((r) => byHash.get(r.hash) ?? -1) };
}

async function approvedInApi(t: TestCentre, id: number): Promise<unknown> {
  const res = await expectStatus(t.request('GET', `/v1/indicators/${id}`, t.tokens.operator), 200, 'indicator');
  return Reflect.get(Object(Reflect.get(Object(await res.json()), 'indicator')), 'approved');
}

/** Approvals and the re-assessment queue in Debian's chromium against a Centre on loopback. */
describe('console indicators page', () => {
  let harness: ConsoleHarness | null = null;
  let fr = '';
  beforeAll(async () => {
    harness = await startConsoleHarness();
    fr = harness?.t.account('FR-OCRVP', 'authority', 'FR') ?? '';
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  const operatorPage = async (h: ConsoleHarness): Promise<Page> => {
    const page = await (await h.context()).newPage();
    await h.signIn(page, h.t.tokens.operator);
    await page.goto('/console/indicators');
    return page;
  };

  describe('when authorities have submitted indicators', () => {
    it('lists them with their sources, approves one, then several at once, as the API records', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const rows = [row('A1'), row('B1'), row('B1'), row('A2')];
      const { batch, ids } = await submit(t, t.tokens.authority, rows);
      await submit(t, fr, [rows[0] ?? row('A1')]);
      const [one = 0, two = 0, three = 0, left = 0] = ids;

      const page = await operatorPage(harness);
      const first = page.getByRole('row', { name: new RegExp(`^Select indicator ${one} #${one} `) });
      await expect(first.textContent()).resolves.toMatch(/A1.*pdq.*DE-BKA \(DE\).*Confirmed by 2 authorities.*DE-BKA \(DE\), FR-OCRVP \(FR\)/);
      await expect(page.getByRole('row', { name: new RegExp(`#${two} `) }).textContent()).resolves.toContain(String(batch));
      // Never the hash: a prefix at most.
      const html = await page.content();
      for (const r of rows) {
        expect(html).not.toContain(r.hash);
        expect(html).not.toContain(r.hash.slice(0, 16));
      }
      expect(html).toContain(`${rows[0]?.hash.slice(0, 8)}…`);
      await harness.screenshot(page, 'indicators-pending');

      await page.getByRole('button', { name: `Approve indicator ${one}` }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain(`Approved indicator #${one}.`);
      await expect(approvedInApi(t, one)).resolves.toBe(true);
      expect(await page.getByRole('checkbox', { name: `Select indicator ${one}` }).count()).toBe(0);

      await page.getByRole('checkbox', { name: `Select indicator ${two}` }).check();
      await page.getByRole('checkbox', { name: `Select indicator ${three}` }).check();
      await page.getByRole('button', { name: 'Approve selected' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain(`Approved 2 indicators: #${two}, #${three}.`);
      await expect(approvedInApi(t, two)).resolves.toBe(true);
      await expect(approvedInApi(t, three)).resolves.toBe(true);
      await expect(approvedInApi(t, left)).resolves.toBe(false);

      const audit = Object(await (await t.request('GET', '/v1/audit?limit=1000', t.tokens.admin)).json());
      const approvals = arrayOf(Reflect.get(audit, 'entries')).filter((e) => Reflect.get(Object(e), 'action') === 'indicator.approve');
      expect(approvals.map((e) => [Reflect.get(Object(e), 'actor'), Reflect.get(Object(e), 'subject')])).toEqual(
        expect.arrayContaining([one, two, three].map((id) => ['centre-op', `indicator:${id}`])),
      );
    });
  });

  describe('when selected indicators were approved meanwhile, or none is selected', () => {
    it('names each refused row with its code, and asks for a selection', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const { ids } = await submit(t, t.tokens.authority, [row('A1'), row('B1')]);
      const [taken = 0, free = 0] = ids;
      const page = await operatorPage(harness);
      await page.getByRole('button', { name: 'Approve selected' }).click();
      expect(new URL(page.url()).pathname).toBe('/console/indicators/approve');
      await expect(page.locator('#approve-error').textContent()).resolves.toContain('Select at least one indicator');

      await page.getByRole('checkbox', { name: `Select indicator ${taken}` }).check();
      await page.getByRole('checkbox', { name: `Select indicator ${free}` }).check();
      await expectStatus(t.request('POST', `/v1/indicators/${taken}/approve`, t.tokens.operator), 200, 'approve meanwhile');
      await page.getByRole('button', { name: 'Approve selected' }).click();
      const message = await page.getByRole('status').textContent();
      expect(message).toContain(`Approved indicator #${free}.`);
      expect(message).toContain(`Not approved: #${taken} CONFLICT`);
    });
  });

  describe('when a posted indicator id is not a number', () => {
    it('refuses the form with CONSOLE_FORM_INVALID and approves nothing', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const { ids } = await submit(t, t.tokens.authority, [row('A1')]);
      const [id = 0] = ids;
      const page = await operatorPage(harness);
      await page.getByRole('checkbox', { name: `Select indicator ${id}` }).check();
      await page.evaluate(`document.getElementById('select-${id}').value = '1 OR 1=1'`);
      await page.getByRole('button', { name: 'Approve selected' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toContain('CONSOLE_FORM_INVALID');
      await expect(approvedInApi(t, id)).resolves.toBe(false);
    });
  });

  describe('when a whole batch is approved by number', () => {
    it('approves its pending indicators, and names an unknown batch beside the field', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const { batch, ids } = await submit(t, t.tokens.authority, [row('A1'), row('A1')]);
      const page = await operatorPage(harness);
      await page.getByLabel('Batch number').fill('999999');
      await page.getByRole('button', { name: 'Approve whole batch' }).click();
      await expect(page.locator('#field-batch-error').textContent()).resolves.toContain('NOT_FOUND');
      await expect(page.getByLabel('Batch number').inputValue()).resolves.toBe('999999');
      await page.getByLabel('Batch number').fill(String(batch));
      await page.getByRole('button', { name: 'Approve whole batch' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain(`Approved 2 pending indicators of batch ${batch}`);
      for (const id of ids) await expect(approvedInApi(t, id)).resolves.toBe(true);
    });
  });

  describe('when the window is narrow', () => {
    it('keeps the page within the window, the tables scrolling inside it', async (ctx) => {
      if (harness === null) return ctx.skip();
      await submit(harness.t, harness.t.tokens.authority, [row('A1')]);
      const page = await (await harness.context({ width: 390, height: 800 })).newPage();
      await harness.signIn(page, harness.t.tokens.operator);
      await page.goto('/console/indicators');
      await expect(page.evaluate('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(390);
      await expect(page.getByRole('button', { name: 'Approve selected' }).isVisible()).resolves.toBe(true);
    });
  });

  describe('when a published indicator has been suspended by the quality loop', () => {
    it('lists it for re-assessment and says which authorities must act', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const { batch, ids } = await submit(t, t.tokens.authority, [row('B2')]);
      const [id = 0] = ids;
      await expectStatus(t.request('POST', `/v1/batches/${batch}/approve`, t.tokens.operator), 200, 'approve');
      await expectStatus(t.request('POST', '/v1/publish', t.tokens.operator), 201, 'publish');
      // The quality loop's own step (server/review/indicator-quality.ts), then the publication that announces it.
      t.centre.write(() => t.centre.indicators.suspend(id, t.clock.now));
      await expectStatus(t.request('POST', '/v1/publish', t.tokens.operator), 201, 'publish the suspension');
      const page = await operatorPage(harness);
      const suspended = page.locator('table', { has: page.locator('caption', { hasText: 'Suspended indicators' }) });
      await expect(suspended.getByRole('row', { name: new RegExp(`^#${id} `) }).textContent()).resolves.toMatch(/B2.*0 of 1 needed.*DE-BKA \(DE\): to re-confirm or revoke/);
      await expect(page.locator('main').textContent()).resolves.toContain('Only an authority that confirmed a suspended indicator can act on it');
    });
  });
});
