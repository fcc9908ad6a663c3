import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectStatus, reviewFixture } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { signInInProcess, type InProcessSession } from './testing/console-session.ts';

const DAY = 86_400_000;
type ApiInbox = { reports: { reportId: string; ackedAt: number | null }[] };

/** Nothing of another account's inbox is shown or reachable through the console (docs/CONSOLE.md, "Inbox"), in process. */
describe('console inbox access', () => {
  let t: TestCentre;
  let reportId: string;
  let french: InProcessSession;
  const dateIn = (days: number): string => new Date(t.clock.now + days * DAY).toISOString().slice(0, 10);
  const acked = async (): Promise<(number | null)[]> =>
    ((await (await t.request('GET', '/v1/inbox/reports', t.tokens.authority)).json()) as ApiInbox).reports.map((report) => report.ackedAt);

  beforeEach(async () => {
    t = createTestCentre();
    const fixture = await reviewFixture(t);
    // Routed to DE-BKA (the order's Member State) and Europol, never to FR-OCRVP.
    reportId = await fixture.send();
    await expectStatus(t.request('GET', '/v1/review/next', t.tokens.reviewer), 200, 'claim');
    await expectStatus(t.request('POST', `/v1/review/reports/${reportId}/decision`, t.tokens.reviewer, JSON.stringify({ decision: 'forwarded' }), 'application/json'), 200, 'decide');
    french = await signInInProcess(t.app, t.account('FR-OCRVP', 'authority', 'FR'));
  });
  afterEach(() => t.close());

  describe('when another authority names a report routed to DE-BKA', () => {
    it('answers 404 NOT_FOUND to its download, acknowledgement and hold, and changes nothing', async () => {
      const page = await (await french.get('/console/inbox')).text();
      expect(page).not.toContain(reportId);
      const answers = [
        await french.get(`/console/inbox/reports/${reportId}/custody.json`),
        await french.post(`/console/inbox/reports/${reportId}/ack`, {}),
        await french.post(`/console/inbox/reports/${reportId}/hold`, { until: dateIn(30) }),
        await french.post('/console/inbox/ack', { reportId }),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(404);
        expect(answer.headers.get('content-disposition')).toBeNull();
        const body = await answer.text();
        expect(body).toContain('NOT_FOUND');
        expect(body).not.toContain('chain-of-custody');
      }
      expect(await acked()).toEqual([null]);
      expect(t.centre.db.prepare('SELECT count(*) AS holds FROM report_holds').get()).toEqual({ holds: 0 });
    });
  });

  describe('when an acknowledgement of all shown carries a report of another inbox', () => {
    it('acknowledges none of them', async () => {
      const german = await signInInProcess(t.app, t.tokens.authority);
      const body = new URLSearchParams({ csrf: german.csrf });
      body.append('reportId', reportId);
      body.append('reportId', '00000000-0000-4000-8000-000000000000');
      const answer = await t.app.request('/console/inbox/ack', {
        method: 'POST',
        headers: { cookie: german.cookie, origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      expect(answer.status).toBe(404);
      expect(await acked()).toEqual([null]);
    });
  });

  describe('when the chain of custody is downloaded by its recipient', () => {
    it('is an attachment named by the report id that no cache keeps', async () => {
      const german = await signInInProcess(t.app, t.tokens.authority);
      const answer = await german.get(`/console/inbox/reports/${reportId}/custody.json`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-disposition')).toBe(`attachment; filename="custody-${reportId}.json"`);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });

  describe('when a report id in the path is not a report id', () => {
    it.each(['..%2F..%2Fstatistics', '1', '-1', '99999999999999999999', 'ﬀ', `${'a'.repeat(36)}%22%3E`])('answers 404 for %s', async (id) => {
      const german = await signInInProcess(t.app, t.tokens.authority);
      const answer = await german.get(`/console/inbox/reports/${id}/custody.json`);
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-disposition')).toBeNull();
      expect(await answer.text()).not.toContain('aaaaaaaaaa');
    });
  });
});
