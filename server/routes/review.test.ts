import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { openCentre } from '../centre.ts';
import { reviewFixture, type ReviewFixture } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const MINUTE = 60_000;
const JSON_TYPE = 'application/json';
type View = {
  report: { reportId: string; preview: string | null };
  review: { state: string; bundleId: number; urgent: boolean; claimedBy: string | null; decidedBy: string | null; reason: string | null; qa: string };
  indicators: { id: number; category: string; submittedBy: string[]; preview: string | null; previewSimilarity: number | null; reports: number; unfounded: number }[];
  order: Record<string, unknown> | null;
  bundle: { reportId: string }[];
};
const code = async (res: Response): Promise<string> => ((await res.json()) as { error: { code: string } }).error.code;

describe('review', () => {
  let t: TestCentre;
  let f: ReviewFixture;
  let ben: string;
  let draws: number[];

  beforeEach(async () => {
    draws = [];
    // Each decision draws once; an empty list means "not sampled".
    t = createTestCentre({}, { random: () => draws.shift() ?? 1 });
    ben = t.account('reviewer-2', 'reviewer');
    f = await reviewFixture(t);
  });
  afterEach(() => t.close());

  const next = (token = t.tokens.reviewer): Promise<Response> => t.request('GET', '/v1/review/next', token);
  const claim = async (token = t.tokens.reviewer): Promise<View> => {
    const res = await next(token);
    expect(res.status).toBe(200);
    return (await res.json()) as View;
  };
  const decide = (id: string, body: unknown, token = t.tokens.reviewer): Promise<Response> =>
    t.request('POST', `/v1/review/reports/${id}/decision`, token, JSON.stringify(body), JSON_TYPE);
  const FORWARD = { decision: 'forwarded' };
  const UNFOUNDED = { decision: 'unfounded', reason: 'preview_mismatch', comment: 'The preview shows a landscape, not the indexed image.' };
  const audit = async (): Promise<{ actor: string; action: string; subject: string | null; detail: Record<string, unknown> }[]> =>
    ((await (await t.request('GET', '/v1/audit?limit=1000', t.tokens.admin)).json()) as { entries: { actor: string; action: string; subject: string | null; detail: Record<string, unknown> }[] }).entries;

  describe('when reviewers claim with next', () => {
    it('hands out urgent reports first, then the oldest first, and 204 once the queue is empty', async () => {
      const old = await f.send({ subject: 'user:u-1' });
      t.clock.now += MINUTE;
      const newer = await f.send({ subject: 'user:u-2' });
      t.clock.now += MINUTE;
      const urgent = await f.send({ subject: 'user:u-3', indicatorIds: [f.urgent] });
      const cem = t.account('reviewer-3', 'reviewer');
      const dan = t.account('reviewer-4', 'reviewer');
      const order = [(await claim()).report.reportId, (await claim(ben)).report.reportId, (await claim(cem)).report.reportId];
      expect(order).toEqual([urgent, old, newer]);
      expect((await next(dan)).status).toBe(204);
    });

    it('shows the reviewer the report beside the indicator, the order without its targets, and the bundle, never content', async () => {
      const id = await f.send();
      const view = await claim();
      expect(view.report.reportId).toBe(id);
      expect(view.review).toMatchObject({ state: 'in_review', claimedBy: 'reviewer-1', urgent: false });
      expect(view.indicators).toEqual([
        expect.objectContaining({ id: f.routine, category: 'B1', submittedBy: ['DE-BKA'], preview: f.indicatorPreview, reports: 1, unfounded: 0 }),
      ]);
      expect(view.indicators[0]?.previewSimilarity).toBeGreaterThan(0.95);
      expect(view.order).toEqual({
        orderId: 'DE-2026-0001',
        issuingAuthority: 'Amtsgericht München',
        legalReference: 'Az. 12 Gs 345/26',
        memberState: 'DE',
        provider: 'example-host',
        notBefore: expect.any(Number),
        notAfter: expect.any(Number),
        status: 'active',
      });
      expect(JSON.stringify(view)).not.toContain('u-9');
      expect(view.bundle.map((r) => r.reportId)).toEqual([id]);
    });

    it('never gives two reviewers the same report', async () => {
      await f.send({ subject: 'user:u-1' });
      await f.send({ subject: 'user:u-2' });
      const cem = t.account('reviewer-3', 'reviewer');
      const answers = await Promise.all([next(), next(ben), next(cem)]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 204]);
      const ids = await Promise.all(answers.filter((r) => r.status === 200).map(async (r) => ((await r.json()) as View).report.reportId));
      expect(new Set(ids).size).toBe(2);
    });

    it('gives a reviewer who already holds a report that same report again, claiming nothing more', async () => {
      const first = await f.send({ subject: 'user:u-1' });
      await f.send({ subject: 'user:u-2' });
      expect((await claim()).report.reportId).toBe(first);
      t.clock.now += MINUTE;
      const again = await claim();
      expect(again.report.reportId).toBe(first);
      expect(again.review.claimedBy).toBe('reviewer-1');
      expect((await audit()).filter((e) => e.action === 'review.claim')).toHaveLength(1);
      expect((await claim(ben)).report.reportId).not.toBe(first);
    });
  });

  describe('when two Centre processes share one database', () => {
    it('serves every report to exactly one of the reviewers racing for next', async () => {
      for (let i = 1; i <= 6; i++) await f.send({ subject: `user:u-${i}` });
      const reviewers = Array.from({ length: 10 }, (_, i) => t.account(`racer-${i}`, 'reviewer'));
      const second = openCentre(t.dataDir, t.clock.now, {});
      try {
        const other = createApp({ centre: second, clock: () => t.clock.now, random: () => 1 });
        const viaOther = (token: string): Promise<Response> => Promise.resolve(other.request('/v1/review/next', { headers: { authorization: `Bearer ${token}` } }));
        const answers = await Promise.all(reviewers.map((token, i) => (i % 2 === 0 ? next(token) : viaOther(token))));
        const ids = await Promise.all(answers.filter((r) => r.status === 200).map(async (r) => ((await r.json()) as View).report.reportId));
        expect(ids).toHaveLength(6);
        expect(new Set(ids).size).toBe(6);
        expect(answers.filter((r) => r.status === 204)).toHaveLength(4);
      } finally {
        second.close();
      }
    });
  });

  describe('when a reviewer decides', () => {
    it('forwards a claimed report and audits the decision', async () => {
      const id = await f.send();
      await claim();
      const res = await decide(id, FORWARD);
      expect(res.status).toBe(200);
      expect(((await res.json()) as View).review).toMatchObject({ state: 'forwarded', decidedBy: 'reviewer-1', claimedBy: null });
      expect(await audit()).toContainEqual(expect.objectContaining({ actor: 'reviewer-1', action: 'review.decide', detail: expect.objectContaining({ decision: 'forwarded', reports: [id] }) }));
    });

    it('judges it unfounded with a reason and a sentence, counted on the indicator', async () => {
      const id = await f.send();
      await claim();
      expect((await decide(id, UNFOUNDED)).status).toBe(200);
      const view = (await (await t.request('GET', `/v1/review/reports/${id}`, ben)).json()) as View;
      expect(view.review).toMatchObject({ state: 'unfounded', reason: 'preview_mismatch' });
      expect(view.indicators[0]).toMatchObject({ reports: 1, unfounded: 1 });
    });

    it.each([
      ['unfounded without a reason', { decision: 'unfounded', comment: 'No.' }, 400, 'REVIEW_REASON_REQUIRED'],
      ['unfounded without a sentence', { decision: 'unfounded', reason: 'duplicate' }, 400, 'REVIEW_REASON_REQUIRED'],
      ['an unknown reason', { decision: 'unfounded', reason: 'boring', comment: 'No.' }, 400, 'BAD_REQUEST'],
      ['a reason on a forward', { decision: 'forwarded', reason: 'other' }, 400, 'BAD_REQUEST'],
      ['an unknown decision', { decision: 'maybe' }, 400, 'BAD_REQUEST'],
      ['a control character in the comment', { decision: 'forwarded', comment: 'a\u0007b' }, 400, 'BAD_REQUEST'],
    ])('refuses %s', async (_name, body, status, expected) => {
      const id = await f.send();
      await claim();
      const res = await decide(id, body);
      expect(res.status).toBe(status);
      expect(await code(res)).toBe(expected);
    });

    it('refuses a decision on a report the caller has not claimed, with REVIEW_NOT_CLAIMED', async () => {
      const id = await f.send();
      const unclaimed = await decide(id, FORWARD);
      expect([unclaimed.status, await code(unclaimed)]).toEqual([409, 'REVIEW_NOT_CLAIMED']);
      await claim();
      const theirs = await decide(id, FORWARD, ben);
      expect([theirs.status, await code(theirs)]).toEqual([409, 'REVIEW_NOT_CLAIMED']);
    });

    it('refuses it once the lease ran out, with REVIEW_LEASE_EXPIRED, and the queue takes the report back (audited)', async () => {
      const id = await f.send();
      await claim();
      t.clock.now += 15 * MINUTE;
      const late = await decide(id, FORWARD);
      expect([late.status, await code(late)]).toEqual([409, 'REVIEW_LEASE_EXPIRED']);
      expect((await claim(ben)).review.claimedBy).toBe('reviewer-2');
      expect(await audit()).toContainEqual(expect.objectContaining({ actor: 'centre', action: 'review.lease-expire', detail: expect.objectContaining({ claimedBy: 'reviewer-1' }) }));
      expect(await code(await decide(id, FORWARD))).toBe('REVIEW_NOT_CLAIMED');
    });

    it('refuses a second decision with REVIEW_ALREADY_DECIDED', async () => {
      const id = await f.send();
      await claim();
      await decide(id, FORWARD);
      expect(await code(await decide(id, UNFOUNDED))).toBe('REVIEW_ALREADY_DECIDED');
    });

    it('answers 404 for an unknown report', async () => {
      expect((await decide('00000000-0000-4000-8000-000000000000', FORWARD)).status).toBe(404);
      expect((await t.request('GET', '/v1/review/reports/not-an-id', t.tokens.reviewer)).status).toBe(404);
    });
  });

  describe('when the Centre holds no usable forwarding key', () => {
    it('answers 503 KEYRING_NO_SIGNING_KEY, a fault of the Centre and not of the request, and decides nothing', async () => {
      const id = await f.send();
      // The online keys init made have lapsed and nobody rotated them.
      t.clock.now += 400 * 24 * 60 * MINUTE;
      expect((await claim()).report.reportId).toBe(id);
      const res = await decide(id, FORWARD);
      expect({ status: res.status, code: await code(res) }).toEqual({ status: 503, code: 'KEYRING_NO_SIGNING_KEY' });
      const view = (await (await t.request('GET', `/v1/review/reports/${id}`, t.tokens.reviewer)).json()) as View;
      expect(view.review).toMatchObject({ state: 'in_review', claimedBy: 'reviewer-1', decidedBy: null });
    });
  });

  describe('when the lease is configured', () => {
    it('uses reviewLeaseMinutes from centre.json', async () => {
      const short = createTestCentre({ reviewLeaseMinutes: 1 });
      try {
        const g = await reviewFixture(short);
        await g.send();
        const view = (await (await short.request('GET', '/v1/review/next', short.tokens.reviewer)).json()) as { review: { leaseUntil: number } };
        expect(view.review.leaseUntil).toBe(short.clock.now + MINUTE);
      } finally {
        short.close();
      }
    });
  });

  describe('when a decision is reopened', () => {
    it('refuses the deciding reviewer with REVIEW_SAME_REVIEWER and lets another reopen it, audited', async () => {
      const id = await f.send();
      await claim();
      await decide(id, FORWARD);
      const reopen = (token: string, body: unknown = { comment: 'The order had lapsed by then.' }): Promise<Response> =>
        t.request('POST', `/v1/review/reports/${id}/reopen`, token, JSON.stringify(body), JSON_TYPE);
      const own = await reopen(t.tokens.reviewer);
      expect([own.status, await code(own)]).toEqual([403, 'REVIEW_SAME_REVIEWER']);
      expect(await code(await reopen(ben, {}))).toBe('REVIEW_REASON_REQUIRED');
      const res = await reopen(ben);
      expect(res.status).toBe(200);
      expect(((await res.json()) as View).review).toMatchObject({ state: 'received', decidedBy: null });
      expect(await audit()).toContainEqual(expect.objectContaining({ actor: 'reviewer-2', action: 'review.reopen', detail: expect.objectContaining({ previous: 'forwarded', decidedBy: 'reviewer-1' }) }));
      expect((await claim()).report.reportId).toBe(id);
    });

    it('refuses to reopen an open report with REVIEW_NOT_DECIDED', async () => {
      const id = await f.send();
      const res = await t.request('POST', `/v1/review/reports/${id}/reopen`, ben, JSON.stringify({ comment: 'why' }), JSON_TYPE);
      expect(await code(res)).toBe('REVIEW_NOT_DECIDED');
    });
  });

  describe('when a decision is sampled for QA', () => {
    it('queues it for a second reviewer only; agreement keeps it', async () => {
      const id = await f.send();
      await claim();
      draws.push(0.01);
      expect(((await (await decide(id, FORWARD)).json()) as View).review.qa).toBe('pending');
      expect((await t.request('GET', '/v1/review/qa/next', t.tokens.reviewer)).status).toBe(204);
      const sample = (await (await t.request('GET', '/v1/review/qa/next', ben)).json()) as View;
      expect(sample.report.reportId).toBe(id);
      const own = await t.request('POST', `/v1/review/reports/${id}/qa`, t.tokens.reviewer, JSON.stringify({ verdict: 'agree' }), JSON_TYPE);
      expect(await code(own)).toBe('REVIEW_SAME_REVIEWER');
      const agreed = await t.request('POST', `/v1/review/reports/${id}/qa`, ben, JSON.stringify({ verdict: 'agree' }), JSON_TYPE);
      expect(((await agreed.json()) as View).review).toMatchObject({ state: 'forwarded', qa: 'agreed' });
    });

    it('reopens it when the second reviewer disagrees', async () => {
      const id = await f.send();
      await claim();
      draws.push(0.01);
      await decide(id, UNFOUNDED);
      await t.request('GET', '/v1/review/qa/next', ben);
      const res = await t.request('POST', `/v1/review/reports/${id}/qa`, ben, JSON.stringify({ verdict: 'disagree', comment: 'The preview matches closely.' }), JSON_TYPE);
      expect(((await res.json()) as View).review).toMatchObject({ state: 'received', qa: 'disagreed' });
      expect(await audit()).toContainEqual(expect.objectContaining({ action: 'review.qa-check', detail: expect.objectContaining({ verdict: 'disagree', decision: 'unfounded' }) }));
    });

    it('answers the check a reviewer holds while its lease is live, so a reloaded page locks no second sample', async () => {
      const ids = [await f.send({ subject: 'user:u-1' }), await f.send({ subject: 'user:u-2' })];
      for (const id of ids) {
        await claim();
        draws.push(0.01);
        expect(((await (await decide(id, FORWARD)).json()) as View).review.qa).toBe('pending');
      }
      const qaNext = async (token: string): Promise<string | undefined> => {
        const res = await t.request('GET', '/v1/review/qa/next', token);
        return res.status === 204 ? undefined : ((await res.json()) as View).report.reportId;
      };
      expect(await qaNext(ben)).toBe(ids[0]);
      expect(await qaNext(ben)).toBe(ids[0]);
      // The other sample is still free for a third reviewer.
      expect(await qaNext(t.account('reviewer-3', 'reviewer'))).toBe(ids[1]);
    });

    it('samples no decision when qaSampleRate draws above it', async () => {
      const id = await f.send();
      await claim();
      draws.push(0.05);
      expect(((await (await decide(id, FORWARD)).json()) as View).review.qa).toBe('none');
    });
  });

  describe('when reports concern the same provider, subject and indicator', () => {
    it('opens a new bundle for a report arriving while the bundle is claimed, so the reviewer decides only what they saw', async () => {
      const first = await f.send();
      expect((await claim()).bundle.map((r) => r.reportId)).toEqual([first]);
      const late = await f.send();
      const decided = (await (await decide(first, FORWARD)).json()) as View;
      expect(decided.bundle.map((r) => r.reportId)).toEqual([first]);
      expect(((await (await t.request('GET', `/v1/review/reports/${late}`, ben)).json()) as View).review.state).toBe('received');
    });

    it('bundles them within the window, so one decision covers them all', async () => {
      const first = await f.send();
      t.clock.now += 60 * MINUTE;
      const second = await f.send();
      const otherSubject = await f.send({ subject: 'user:u-2' });
      t.clock.now += 24 * 60 * MINUTE;
      const afterWindow = await f.send();
      const view = await claim();
      expect(view.bundle.map((r) => r.reportId)).toEqual([first, second]);
      await decide(second, FORWARD);
      for (const id of [first, second]) {
        expect(((await (await t.request('GET', `/v1/review/reports/${id}`, ben)).json()) as View).review.state).toBe('forwarded');
      }
      for (const id of [otherSubject, afterWindow]) {
        expect(((await (await t.request('GET', `/v1/review/reports/${id}`, ben)).json()) as View).review.state).toBe('received');
      }
    });
  });
});
