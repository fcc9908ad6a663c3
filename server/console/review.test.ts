import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UNFOUNDED_REASON_WORDS } from '../review/review-comment.ts';
import { reviewFixture, type ReviewFixture } from '../testing/review-fixture.ts';
import { startConsoleHarness, type ConsoleHarness } from './testing/console-browser.ts';

const MINUTE = 60_000;
const JSON_TYPE = 'application/json';
type View = { review: { state: string; reason: string | null; comment: string | null; decidedBy: string | null; qa: string; claimedBy: string | null } };
type Inbox = { reports: { reportId: string }[] };

/** The review queue page, in Debian's chromium against a Centre on loopback, with reports sent as a provider's sidecar sends them. */
describe('console review queue', () => {
  let harness: ConsoleHarness | null = null;
  let f: ReviewFixture;
  let secondReviewer: string;
  // Each decision draws once; an empty list means "not sampled for QA".
  const draws: number[] = [];

  beforeAll(async () => {
    harness = await startConsoleHarness({ random: () => draws.shift() ?? 1 });
    if (harness === null) return;
    f = await reviewFixture(harness.t);
    secondReviewer = harness.t.account('reviewer-2', 'reviewer');
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });
  // Each test starts from an empty queue: whatever one leaves claimed or sampled is decided or checked through the API.
  afterEach(async () => {
    if (harness === null) return;
    const { t } = harness;
    draws.length = 0;
    for (const token of [t.tokens.reviewer, secondReviewer]) {
      for (let res = await t.request('GET', '/v1/review/next', token); res.status === 200; res = await t.request('GET', '/v1/review/next', token)) {
        const { report } = (await res.json()) as { report: { reportId: string } };
        await t.request('POST', `/v1/review/reports/${report.reportId}/decision`, token, JSON.stringify({ decision: 'forwarded' }), JSON_TYPE);
      }
      for (let res = await t.request('GET', '/v1/review/qa/next', token); res.status === 200; res = await t.request('GET', '/v1/review/qa/next', token)) {
        const { report } = (await res.json()) as { report: { reportId: string } };
        await t.request('POST', `/v1/review/reports/${report.reportId}/qa`, token, JSON.stringify({ verdict: 'agree' }), JSON_TYPE);
      }
    }
  });

  const viewOf = async (reportId: string): Promise<View> => {
    if (harness === null) throw new Error('no harness');
    return (await (await harness.t.request('GET', `/v1/review/reports/${reportId}`, harness.t.tokens.reviewer)).json()) as View;
  };
  const signedIn = async (token: string): Promise<Page> => {
    if (harness === null) throw new Error('no harness');
    const page = await (await harness.context()).newPage();
    await harness.signIn(page, token);
    return page;
  };
  /** The script has run (shortcuts, previews and countdowns are in place). */
  const enhanced = (page: Page): Promise<void> => page.locator('html[data-enhanced="true"]').waitFor({ state: 'attached' });
  const reportIdOf = (page: Page): string => new URL(page.url()).pathname.split('/').at(-1) ?? '';

  describe('when a reviewer works by keyboard only', () => {
    it('claims with N, decides unfounded with 1 and Enter, told beforehand what the empty comment becomes', async (ctx) => {
      if (harness === null) return ctx.skip();
      const id = await f.send({ subject: 'user:u-2' });
      const page = await signedIn(harness.t.tokens.reviewer);
      await enhanced(page);
      await expect(page.locator('[data-count="open"]').textContent()).resolves.toBe('1');
      await harness.screenshot(page, 'review-queue');
      await page.keyboard.press('n');
      await page.waitForURL(`**/console/review/reports/${id}`);
      await enhanced(page);
      await page.keyboard.press('1');
      const sentence = UNFOUNDED_REASON_WORDS.preview_mismatch.sentence;
      await expect(page.locator('#default-comment').textContent()).resolves.toBe(`If you leave the comment empty, it will read: “${sentence}”`);
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === '/console/review');
      await expect(page.getByRole('status').first().textContent()).resolves.toContain('unfounded (Preview mismatch)');
      expect((await viewOf(id)).review).toMatchObject({ state: 'unfounded', reason: 'preview_mismatch', comment: sentence, decidedBy: 'reviewer-1' });
    });

    it('forwards with F and Enter: the authority and Europol find it in their inboxes, and the next report is claimed', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const first = await f.send({ subject: 'user:u-3' });
      t.clock.now += MINUTE;
      const second = await f.send({ subject: 'user:u-4' });
      const page = await signedIn(t.tokens.reviewer);
      await page.getByRole('button', { name: 'Claim next report' }).click();
      await page.waitForURL(`**/console/review/reports/${first}`);
      await enhanced(page);
      await page.keyboard.press('f');
      await page.keyboard.press('Enter');
      await page.waitForURL(`**/console/review/reports/${second}`);
      await expect(page.getByRole('status').first().textContent()).resolves.toContain('You now hold the next report');
      expect((await viewOf(first)).review).toMatchObject({ state: 'forwarded', decidedBy: 'reviewer-1' });
      expect((await viewOf(second)).review).toMatchObject({ state: 'in_review', claimedBy: 'reviewer-1' });
      for (const token of [t.tokens.authority, t.tokens.europol]) {
        const inbox = (await (await t.request('GET', '/v1/inbox/reports?limit=200', token)).json()) as Inbox;
        expect(inbox.reports.map((r) => r.reportId)).toContain(first);
      }
    });
  });

  describe('when two reviewers claim at the same moment', () => {
    it('never hands both the same report', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const ids = [await f.send({ subject: 'user:u-5' }), await f.send({ subject: 'user:u-6' })];
      const [one, two] = await Promise.all([signedIn(t.tokens.reviewer), signedIn(secondReviewer)]);
      if (one === undefined || two === undefined) throw new Error('no pages');
      await Promise.all([one.getByRole('button', { name: 'Claim next report' }).click(), two.getByRole('button', { name: 'Claim next report' }).click()]);
      await Promise.all([one.waitForURL('**/console/review/reports/*'), two.waitForURL('**/console/review/reports/*')]);
      const claimed = [reportIdOf(one), reportIdOf(two)];
      expect(new Set(claimed).size).toBe(2);
      expect([...claimed].sort()).toEqual([...ids].sort());
      // The queue is empty now: a third reviewer's claim says so, as a message, not an error.
      const three = await signedIn(t.account('reviewer-3', 'reviewer'));
      await three.getByRole('button', { name: 'Claim next report' }).click();
      await three.waitForURL('**/console/review?nothing=report');
      await expect(three.getByRole('status').first().textContent()).resolves.toContain('Nothing to review');
      // A reviewer who holds a report and claims again is shown the report they hold: one at a time.
      await one.goto('/console/review');
      await one.getByRole('button', { name: 'Claim next report' }).click();
      await one.waitForURL(`**/console/review/reports/${claimed[0] ?? ''}`);
    });
  });

  describe('when a claimed report is shown', () => {
    it('draws both previews from their blurhashes, fetches no image, and counts down the lease', async (ctx) => {
      if (harness === null) return ctx.skip();
      const id = await f.send({ subject: 'user:u-7', distance: 6 });
      const page = await signedIn(harness.t.tokens.reviewer);
      const images: string[] = [];
      page.on('request', (request) => {
        if (request.resourceType() === 'image') images.push(request.url());
      });
      await page.getByRole('button', { name: 'Claim next report' }).click();
      await page.waitForURL(`**/console/review/reports/${id}`);
      await enhanced(page);
      const canvases = page.locator('canvas[data-blurhash]');
      await expect(canvases.count()).resolves.toBe(2);
      await expect(page.locator('canvas[data-drawn="true"]').count()).resolves.toBe(2);
      expect(await canvases.first().getAttribute('width')).toBe('32');
      await expect(page.locator('code.blurhash').first().textContent()).resolves.toBe((await canvases.first().getAttribute('data-blurhash')) ?? '');
      await expect(page.locator('.countdown').textContent()).resolves.toMatch(/^1[45]:\d\d left$/);
      const text = (await page.locator('main').textContent()) ?? '';
      for (const expected of ['Preview similarity', 'Amtsgericht München', 'Az. 12 Gs 345/26', 'DE-BKA', 'Routine', 'Bundle']) expect(text).toContain(expected);
      expect(text).not.toContain('u-9');
      expect(images).toEqual([]);
      await harness.screenshot(page, 'review-report');
    });
  });

  describe('when the lease ran out before the decision is sent', () => {
    it('refuses it with REVIEW_LEASE_EXPIRED, offers the way back, and changes nothing', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const id = await f.send({ subject: 'user:u-8' });
      const page = await signedIn(t.tokens.reviewer);
      await page.getByRole('button', { name: 'Claim next report' }).click();
      await page.waitForURL(`**/console/review/reports/${id}`);
      await enhanced(page);
      await page.getByLabel('Forward to the competent authorities').check();
      t.clock.now += 16 * MINUTE;
      await page.getByRole('button', { name: 'Record the decision' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toContain('REVIEW_LEASE_EXPIRED');
      expect((await viewOf(id)).review).toMatchObject({ state: 'in_review', decidedBy: null });
      const inbox = (await (await t.request('GET', '/v1/inbox/reports?limit=200', t.tokens.europol)).json()) as Inbox;
      expect(inbox.reports.map((r) => r.reportId)).not.toContain(id);
      await page.getByRole('link', { name: 'Back to the review queue' }).click();
      await page.waitForURL((url) => url.pathname === '/console/review');
    });
  });

  describe('when a decision was sampled for QA', () => {
    it('lets another reviewer claim the check and agree with A and Enter', async (ctx) => {
      if (harness === null) return ctx.skip();
      const { t } = harness;
      const id = await f.send({ subject: 'user:u-9' });
      expect((await t.request('GET', '/v1/review/next', secondReviewer)).status).toBe(200);
      draws.push(0);
      const decided = await t.request('POST', `/v1/review/reports/${id}/decision`, secondReviewer, JSON.stringify({ decision: 'forwarded' }), JSON_TYPE);
      expect(decided.status).toBe(200);
      const page = await signedIn(t.tokens.reviewer);
      await expect(page.locator('[data-count="qa"]').textContent()).resolves.toBe('1');
      await page.getByRole('button', { name: 'Claim next QA check' }).click();
      await page.waitForURL(`**/console/review/reports/${id}`);
      await enhanced(page);
      await expect(page.locator('main h1').textContent()).resolves.toBe('QA check');
      await page.keyboard.press('a');
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === '/console/review');
      await expect(page.getByRole('status').first().textContent()).resolves.toContain('You agreed');
      expect((await viewOf(id)).review).toMatchObject({ state: 'forwarded', qa: 'agreed' });
    });
  });
});
