import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVerifierKey } from '../../shared/crypto/index.ts';
import { trustCustodyRoots, verifyForwardedItem } from '../../shared/trust/index.ts';
import { decodeRootList } from '../../shared/wire/delta-chain.ts';
import { expectStatus, reviewFixture } from '../testing/review-fixture.ts';
import { startConsoleHarness, type ConsoleHarness } from './testing/console-browser.ts';

type ApiInbox = { reports: { reportId: string; ackedAt: number | null; report: string; record: string }[] };
type CustodyFile = {
  format: string;
  reportId: string;
  roots: string;
  rootKeys: string[];
  reports: { reportId: string; decision: string; report: string | null; record: string; verifierKeys: { provider: string; forwarding: string[] } }[];
};

const DAY = 86_400_000;

/** The Inbox in Debian's chromium: reports decided through the API, acknowledged, held and downloaded as a verifiable chain of custody. */
describe('console inbox', () => {
  let harness: ConsoleHarness | null = null;
  const reportIds: string[] = [];
  let providerKey = '';
  let frenchToken = '';
  beforeAll(async () => {
    harness = await startConsoleHarness();
    if (harness === null) return;
    const { t } = harness;
    const fixture = await reviewFixture(t);
    providerKey = fixture.providerKey;
    frenchToken = t.account('FR-OCRVP', 'authority', 'FR');
    // Two reports decided as a reviewer decides them: routed to DE-BKA (the order's Member State) and Europol.
    for (let i = 0; i < 2; i++) {
      const reportId = await fixture.send();
      await expectStatus(t.request('GET', '/v1/review/next', t.tokens.reviewer), 200, 'claim');
      await expectStatus(t.request('POST', `/v1/review/reports/${reportId}/decision`, t.tokens.reviewer, JSON.stringify({ decision: 'forwarded' }), 'application/json'), 200, 'decide');
      reportIds.push(reportId);
      t.clock.now += 60_000;
    }
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  const apiInbox = async (h: ConsoleHarness, token: string): Promise<ApiInbox> => (await (await h.t.request('GET', '/v1/inbox/reports', token)).json()) as ApiInbox;

  describe('when an authority acknowledges its reports', () => {
    it('acknowledges one, then all shown, as the API then reports', async (ctx) => {
      if (harness === null) return ctx.skip();
      const h = harness;
      const [first, second] = reportIds;
      if (first === undefined || second === undefined) throw new Error('no reports');
      const page = await (await h.context()).newPage();
      await h.signIn(page, h.t.tokens.authority);
      expect(new URL(page.url()).pathname).toBe('/console/inbox');
      await expect(page.locator('table.inbox caption').textContent()).resolves.toContain('oldest first');
      await expect(page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-report')))).resolves.toEqual([first, second]);
      await expect(page.locator(`tr[data-report="${first}"]`).textContent()).resolves.toMatch(/Forwarded.*UTC.*UTC.*Not acknowledged.*No hold/);
      await h.screenshot(page, 'inbox');

      await page.getByRole('button', { name: `Acknowledge report ${first}` }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain(`Acknowledged report ${first}`);
      await expect(page.locator(`tr[data-report="${first}"]`).textContent()).resolves.toMatch(/Acknowledged \d{4}-/);
      expect((await apiInbox(h, h.t.tokens.authority)).reports.map((r) => r.ackedAt !== null)).toEqual([true, false]);

      await page.getByRole('button', { name: 'Acknowledge all 1 shown' }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain('Acknowledged 1 report');
      expect((await apiInbox(h, h.t.tokens.authority)).reports.every((r) => r.ackedAt !== null)).toBe(true);
      // Europol's copies are its own: untouched.
      expect((await apiInbox(h, h.t.tokens.europol)).reports.map((r) => r.ackedAt)).toEqual([null, null]);
    });
  });

  describe('when an authority places a hold', () => {
    it('refuses a date past the longest hold beside the field, then holds until the date given', async (ctx) => {
      if (harness === null) return ctx.skip();
      const h = harness;
      const { t } = h;
      const [first] = reportIds;
      if (first === undefined) throw new Error('no reports');
      const page = await (await h.context({ width: 390, height: 800 })).newPage();
      await h.signIn(page, t.tokens.authority);
      const row = page.locator(`tr[data-report="${first}"]`);
      await row.getByLabel('Hold until (UTC date)').fill(new Date(t.clock.now + 600 * DAY).toISOString().slice(0, 10));
      await row.getByRole('button', { name: `Place a hold on report ${first}` }).click();
      await expect(page.locator(`tr[data-report="${first}"] .error`).textContent()).resolves.toContain('INBOX_HOLD_TOO_LONG');

      const until = new Date(t.clock.now + 90 * DAY).toISOString().slice(0, 10);
      await page.locator(`tr[data-report="${first}"]`).getByLabel('Hold until (UTC date)').fill(until);
      await page.locator(`tr[data-report="${first}"]`).getByRole('button', { name: `Place a hold on report ${first}` }).click();
      await expect(page.getByRole('status').textContent()).resolves.toContain(`until ${until}`);
      await expect(page.locator(`tr[data-report="${first}"] .hold-status`).textContent()).resolves.toContain(`Held until ${until} 00:00 UTC`);
      // Audited as after POST /v1/inbox/reports/{id}/hold; the provider's decisions feed carries it (msgpack: its report id is there).
      const audit = (await (await t.request('GET', '/v1/audit?limit=1000', t.tokens.admin)).json()) as { entries: { action: string; actor: string; subject: string; detail: unknown }[] };
      expect(audit.entries.filter((e) => e.action === 'inbox.hold')).toEqual([
        expect.objectContaining({ actor: 'DE-BKA', subject: `report:${first}`, detail: { until: Date.parse(`${until}T00:00:00Z`) } }),
      ]);
      expect(Buffer.from(await (await t.request('GET', '/v1/feed/decisions', t.tokens.provider)).arrayBuffer()).toString('latin1')).toContain('hold');
    });
  });

  describe('when an authority downloads a chain of custody', () => {
    it('gets an attachment whose two signatures verify under the pinned root key with verify-report’s own functions', async (ctx) => {
      if (harness === null) return ctx.skip();
      const h = harness;
      const { t } = h;
      const [, second] = reportIds;
      if (second === undefined) throw new Error('no reports');
      const page = await (await h.context()).newPage();
      await h.signIn(page, t.tokens.authority);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: `Download the chain of custody of report ${second}` }).click()]);
      expect(download.suggestedFilename()).toBe(`custody-${second}.json`);
      const file: CustodyFile = JSON.parse(readFileSync(await download.path(), 'utf8'));
      expect(file).toMatchObject({ format: 'hashfeed/chain-of-custody/v1', reportId: second, rootKeys: [t.rootVerifierKey] });
      const [item] = file.reports;
      if (item === undefined || item.report === null) throw new Error('no item in the file');
      // The envelopes exactly as the API gives them.
      const apiItem = (await apiInbox(h, t.tokens.authority)).reports.find((r) => r.reportId === second);
      expect({ report: item.report, record: item.record }).toEqual({ report: apiItem?.report, record: apiItem?.record });
      expect(item.verifierKeys.provider).toBe(providerKey);

      const trusted = trustCustodyRoots({ keys: [parseVerifierKey(t.rootVerifierKey)], threshold: 1 }, decodeRootList(Buffer.from(file.roots, 'base64'), 4 * 1024 * 1024));
      const verified = verifyForwardedItem(trusted, {
        reportEnvelope: Buffer.from(item.report, 'base64'),
        recordEnvelope: Buffer.from(item.record, 'base64'),
        claimed: { reportId: item.reportId, decision: item.decision },
      });
      expect(verified.record).toMatchObject({ reportId: second, decision: 'forwarded', provider: 'example-host', providerKey });
      expect(item.verifierKeys.forwarding).toEqual([verified.forwardingKey]);

      const res = await page.request.get(`/console/inbox/reports/${second}/custody.json`);
      expect(res.headers()['content-disposition']).toBe(`attachment; filename="custody-${second}.json"`);
    });
  });

  describe('when Europol signs in', () => {
    it('sees its own copies of the reports, unacknowledged whatever the authority did', async (ctx) => {
      if (harness === null) return ctx.skip();
      const page = await (await harness.context()).newPage();
      await harness.signIn(page, harness.t.tokens.europol);
      expect(new URL(page.url()).pathname).toBe('/console/inbox');
      await expect(page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-report')))).resolves.toEqual(reportIds);
      await expect(page.getByRole('button', { name: `Acknowledge all ${reportIds.length} shown` }).count()).resolves.toBe(1);
    });
  });

  describe('when another authority asks for a report it did not receive', () => {
    it('answers 404 and shows an empty inbox', async (ctx) => {
      if (harness === null) return ctx.skip();
      const h = harness;
      const [first] = reportIds;
      const page = await (await h.context()).newPage();
      await h.signIn(page, frenchToken);
      await expect(page.locator('main').textContent()).resolves.toContain('No reports have been routed to you.');
      const res = await page.request.get(`/console/inbox/reports/${first}/custody.json`);
      expect(res.status()).toBe(404);
      expect(await res.text()).toContain('NOT_FOUND');
      expect(await res.text()).not.toContain('example-host');
    });
  });
});
