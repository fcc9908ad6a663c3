import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reviewFixture, type ReviewFixture } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { MonthlyStatistics } from './monthly-statistics.ts';
import { monthOf } from './months.ts';

const MINUTE = 60_000;
const JSON_TYPE = 'application/json';

describe('MonthlyStatistics', () => {
  let t: TestCentre;
  let f: ReviewFixture;
  beforeEach(async () => {
    t = createTestCentre();
    f = await reviewFixture(t);
  });
  afterEach(() => t.close());

  const post = async (path: string, token: string, body: unknown): Promise<void> => {
    const res = await t.request('POST', path, token, JSON.stringify(body), JSON_TYPE);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  };
  const claimAndDecide = async (reportId: string, body: unknown): Promise<void> => {
    expect((await t.request('GET', '/v1/review/next', t.tokens.reviewer)).status).toBe(200);
    await post(`/v1/review/reports/${reportId}/decision`, t.tokens.reviewer, body);
  };

  describe('when a decision is reopened and a report joins the bundle before it is decided again', () => {
    it('counts each decision with the reports it covered: the late report only in the second', async () => {
      const start = t.clock.now;
      const first = await f.send({ subject: 'user:u-1' });
      t.clock.now = start + 10 * MINUTE;
      await claimAndDecide(first, { decision: 'unfounded', reason: 'other', comment: 'Not what the indicator shows.' });
      t.clock.now = start + 20 * MINUTE;
      await post(`/v1/review/reports/${first}/reopen`, t.account('reviewer-2', 'reviewer'), { comment: 'The preview was misread.' });
      t.clock.now = start + 25 * MINUTE;
      const late = await f.send({ subject: 'user:u-1' });
      t.clock.now = start + 30 * MINUTE;
      const bundle = (await (await t.request('GET', '/v1/review/next', t.tokens.reviewer)).json()) as { bundle: { reportId: string }[] };
      expect(bundle.bundle.map((r) => r.reportId)).toEqual([first, late]);
      await post(`/v1/review/reports/${first}/decision`, t.tokens.reviewer, { decision: 'forwarded' });

      const [november] = new MonthlyStatistics(t.centre.db).compute([monthOf(start)]);
      expect(november?.reports).toEqual({
        received: 2,
        unfounded: { total: 1, byReason: { preview_mismatch: 0, indicator_error: 0, duplicate: 0, not_csam: 0, other: 1 } },
        forwarded: { total: 2, memberStates: { DE: 2 }, europol: 2 },
        // Waited: the first report 10 then 30 minutes, the late one 5.
        decisionTime: { decided: 3, p50Ms: 10 * MINUTE, p90Ms: 30 * MINUTE },
      });
    });
  });

  describe('when the Centre clock stepped back between a report and its decision', () => {
    it('counts the decision, with a decision time of 0', async () => {
      const start = t.clock.now;
      t.clock.now = start + 60 * MINUTE;
      const first = await f.send({ subject: 'user:u-1' });
      const second = await f.send({ subject: 'user:u-2' });
      t.clock.now = start + 55 * MINUTE;
      await claimAndDecide(first, { decision: 'forwarded' });
      await claimAndDecide(second, { decision: 'unfounded', reason: 'duplicate', comment: 'Sent twice.' });

      const [month] = new MonthlyStatistics(t.centre.db).compute([monthOf(start)]);
      expect(month?.reports).toEqual({
        received: 2,
        unfounded: { total: 1, byReason: { preview_mismatch: 0, indicator_error: 0, duplicate: 1, not_csam: 0, other: 0 } },
        forwarded: { total: 1, memberStates: { DE: 1 }, europol: 1 },
        decisionTime: { decided: 2, p50Ms: 0, p90Ms: 0 },
      });
    });
  });

  describe('when a year is asked for as one span', () => {
    it('takes the percentiles over every decision of the span, not over the months', async () => {
      const start = t.clock.now;
      const ids = [await f.send({ subject: 'user:u-1' }), await f.send({ subject: 'user:u-2' }), await f.send({ subject: 'user:u-3' })];
      for (const [i, id] of ids.entries()) {
        t.clock.now = start + (i + 1) * MINUTE;
        await claimAndDecide(id, { decision: 'forwarded' });
      }
      const statistics = new MonthlyStatistics(t.centre.db);
      expect(statistics.decisionTime(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1))).toEqual({ decided: 3, p50Ms: 2 * MINUTE, p90Ms: 3 * MINUTE });
      expect(statistics.decisionTime(Date.UTC(2025, 0, 1), Date.UTC(2026, 0, 1))).toEqual({ decided: 0, p50Ms: null, p90Ms: null });
    });
  });
});
