import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../testing/review-fixture.ts';
import type { TestCentre } from '../testing/test-centre.ts';
import { startConsoleHarness, type ConsoleHarness } from './testing/console-browser.ts';

const row = (category: string, hash = randomBytes(32).toString('hex')) => ({ algorithm: 'pdq', hash, category, reference: `case-${category}` });

async function submit(t: TestCentre, token: string, rows: readonly object[]): Promise<number> {
  const res = await expectStatus(t.request('POST', '/v1/indicators', token, JSON.stringify(rows), 'application/json'), 201, 'submit');
  return Number(Reflect.get(Object(await res.json()), 'batchId'));
}

const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The log size in the checkpoint the API serves (a C2SP note: origin, size, root hash). */
async function checkpointSize(t: TestCentre): Promise<number> {
  const note = await (await expectStatus(t.request('GET', '/v1/log/checkpoint'), 200, 'checkpoint')).text();
  return Number(note.split('\n')[1]);
}

/** The rows of a table, found by its caption, as arrays of cell texts. */
async function tableRows(page: Page, caption: string): Promise<string[][]> {
  const table = page.locator('table', { has: page.locator('caption', { hasText: caption }) });
  const rows = await table.locator('tbody tr').all();
  return Promise.all(rows.map(async (r) => (await r.locator('th, td').allTextContents()).map((s) => s.trim())));
}

/** Dry run, confirmation and publication in Debian's chromium against a Centre on loopback. */
describe('console publish page', () => {
  let harness: ConsoleHarness | null = null;
  let fr = '';
  /** What the script's data-confirm asked, in order. */
  const asked: string[] = [];
  beforeAll(async () => {
    harness = await startConsoleHarness();
    fr = harness?.t.account('FR-OCRVP', 'authority', 'FR') ?? '';
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  const operatorPage = async (h: ConsoleHarness): Promise<Page> => {
    const page = await (await h.context()).newPage();
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await h.signIn(page, h.t.tokens.operator);
    return page;
  };

  describe('when nothing is approved', () => {
    it('says there is nothing to publish and offers no button', async (ctx) => {
      if (harness === null) return ctx.skip();
      const page = await operatorPage(harness);
      await page.goto('/console/publish');
      await expect(page.locator('main').textContent()).resolves.toContain('Nothing to publish');
      expect(await page.getByRole('button', { name: /^Publish version/ }).count()).toBe(0);
    });
  });

  describe('when authorities submitted and the operator approved in the console', () => {
    it('shows the dry run by category and authority, publishes it once confirmed, and the checkpoint grows', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const shared = randomBytes(32).toString('hex');
      const de = await submit(t, t.tokens.authority, [row('A1', shared), row('B1'), row('B1')]);
      await submit(t, fr, [row('A1', shared)]);
      const page = await operatorPage(harness);
      await page.goto('/console/indicators');
      await page.getByRole('button', { name: `Approve batch ${de}` }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain(`Approved 3 pending indicators of batch ${de}`);

      const before = await checkpointSize(t);
      const versionBefore = t.centre.publisher.latestVersion();
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Publish' }).click();
      await expect(page.locator('#plan-summary').textContent()).resolves.toContain(`Version ${versionBefore + 1} would add 3 indicators and tombstone 0`);
      expect(await tableRows(page, 'By category')).toEqual([
        ['A1', '1', '0'],
        ['B1', '2', '0'],
      ]);
      expect(await tableRows(page, 'By authority')).toEqual([
        ['DE-BKA', 'DE', '3', '0'],
        ['FR-OCRVP', 'FR', '1', '0'],
      ]);
      await harness.screenshot(page, 'publish-dry-run');
      await page.setViewportSize({ width: 390, height: 800 });
      await expect(page.evaluate('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(390);
      await page.setViewportSize({ width: 1280, height: 800 });

      await page.getByLabel('I have checked the dry run').check();
      await page.getByRole('button', { name: `Publish version ${versionBefore + 1}` }).click();
      await page.waitForURL(`**/console/publish/versions/${versionBefore + 1}`);
      expect(asked.at(-1)).toContain(`Publish version ${versionBefore + 1}?`);
      await expect(page.getByRole('status').textContent()).resolves.toContain(`Published version ${versionBefore + 1}: 3 added`);

      const after = await checkpointSize(t);
      expect(after).toBeGreaterThan(before);
      await expect(page.locator('[data-checkpoint-size]').textContent()).resolves.toBe(String(after));
      const note = await page.getByLabel('Signed checkpoint note').textContent();
      expect(note).toBe(await (await t.request('GET', '/v1/log/checkpoint')).text());
      await expect(page.locator('main').textContent()).resolves.toContain('No witnesses are configured');
      await harness.screenshot(page, 'publish-done');
      await expectStatus(t.request('GET', `/v1/feed/deltas/${versionBefore + 1}`, t.tokens.provider), 200, 'the new delta');
      const audit = Object(await (await t.request('GET', '/v1/audit?limit=1000', t.tokens.admin)).json());
      const entries = arrayOf(Reflect.get(audit, 'entries'));
      expect(entries.some((e) => Reflect.get(Object(e), 'action') === 'feed.publish' && Reflect.get(Object(e), 'actor') === 'centre-op')).toBe(true);
    });
  });

  describe('when the confirmation box is not ticked', () => {
    it('refuses with a message beside the box and publishes nothing', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const batch = await submit(t, t.tokens.authority, [row('A2')]);
      await expectStatus(t.request('POST', `/v1/batches/${batch}/approve`, t.tokens.operator), 200, 'approve');
      const version = t.centre.publisher.latestVersion();
      const page = await operatorPage(harness);
      await page.goto('/console/publish');
      // A browser that ignores `required` (or a hand-made post): the Centre checks the box itself.
      await page.evaluate("document.getElementById('field-confirm').removeAttribute('required')");
      await page.getByRole('button', { name: `Publish version ${version + 1}` }).click();
      await expect(page.locator('#field-confirm-error').textContent()).resolves.toContain('I have checked the dry run');
      expect(t.centre.publisher.latestVersion()).toBe(version);
    });
  });

  describe('when another publication happened after the dry run was shown', () => {
    it('refuses with PUBLISH_PLAN_CHANGED, publishes nothing and shows the new dry run', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const first = await submit(t, t.tokens.authority, [row('B2')]);
      await expectStatus(t.request('POST', `/v1/batches/${first}/approve`, t.tokens.operator), 200, 'approve');
      const version = t.centre.publisher.latestVersion();
      const page = await operatorPage(harness);
      await page.goto('/console/publish');
      await page.getByLabel('I have checked the dry run').check();
      // Meanwhile: published through the API, and something new approved.
      await expectStatus(t.request('POST', '/v1/publish', t.tokens.operator), 201, 'publish');
      const second = await submit(t, t.tokens.authority, [row('A1')]);
      await expectStatus(t.request('POST', `/v1/batches/${second}/approve`, t.tokens.operator), 200, 'approve');
      await page.getByRole('button', { name: `Publish version ${version + 1}` }).click();
      await expect(page.getByRole('alert').first().textContent()).resolves.toContain('PUBLISH_PLAN_CHANGED');
      expect(t.centre.publisher.latestVersion()).toBe(version + 1);
      await expect(page.getByRole('button', { name: `Publish version ${version + 2}` }).count()).resolves.toBe(1);
      await expect(page.locator('#plan-summary').textContent()).resolves.toContain('would add 1 indicator');
    });
  });

  describe('when a reviewer opens the page', () => {
    it('refuses with CONSOLE_FORBIDDEN', async (ctx) => {
      if (harness === null) return ctx.skip();
      const page = await (await harness.context()).newPage();
      await harness.signIn(page, harness.t.tokens.reviewer);
      const res = await page.goto('/console/publish');
      expect(res?.status()).toBe(403);
      await expect(page.getByRole('alert').textContent()).resolves.toContain('CONSOLE_FORBIDDEN');
    });
  });

  describe('when an approved video indicator is held (publishVideoIndicators off)', () => {
    it('says how many are held and why, and leaves them out of the dry run', async (ctx) => {
      if (harness === null) return ctx.skip();
      const t = harness.t;
      const frames = [1, 2].map((i) => ({ frame: i, quality: 90, hash: randomBytes(32).toString('hex'), timestamp: i }));
      const batch = await submit(t, t.tokens.authority, [{ algorithm: 'vpdq', frames, category: 'A1', reference: 'case-video' }]);
      await expectStatus(t.request('POST', `/v1/batches/${batch}/approve`, t.tokens.operator), 200, 'approve');
      const page = await operatorPage(harness);
      await page.goto('/console/publish');
      await expect(page.locator('[data-held="video"]').textContent()).resolves.toContain('1 approved video indicator is held out of publication');
      expect(t.centre.publisher.plan(t.clock.now)).toMatchObject({ heldVideo: 1 });
    });
  });
});
