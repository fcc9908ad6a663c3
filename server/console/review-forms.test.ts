import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UNFOUNDED_REASON_WORDS } from '../review/review-comment.ts';
import { reviewFixture, type ReviewFixture } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const ORIGIN = 'http://localhost';
type View = { review: { state: string; reason: string | null; comment: string | null; claimedBy: string | null } };

/** The review pages' forms and refusals, in process: the edges a browser test need not drive. */
describe('console review forms', () => {
  let t: TestCentre;
  let f: ReviewFixture;
  let reviewer: { cookie: string; csrf: string };
  // Each decision draws once; an empty list means "not sampled for QA".
  let draws: number[];

  /** A console session for `token`: its cookie, and the CSRF token its pages carry. */
  const signIn = async (token: string): Promise<{ cookie: string; csrf: string }> => {
    const res = await t.app.request('/console/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ token }).toString(),
    });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const page = await (await t.app.request('/console/review', { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    return { cookie, csrf };
  };
  const get = async (path: string, session = reviewer): Promise<Response> => t.app.request(path, { headers: { cookie: session.cookie } });
  const post = async (path: string, fields: Record<string, string>, session = reviewer): Promise<Response> =>
    t.app.request(path, {
      method: 'POST',
      headers: { cookie: session.cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: session.csrf, ...fields }).toString(),
    });
  const viewOf = async (id: string): Promise<View> => (await (await t.request('GET', `/v1/review/reports/${id}`, t.tokens.reviewer)).json()) as View;
  const claim = async (session = reviewer): Promise<string> => {
    const res = await post('/console/review/claim', {}, session);
    expect(res.status).toBe(303);
    return (res.headers.get('location') ?? '').split('/').at(-1) ?? '';
  };

  beforeEach(async () => {
    draws = [];
    t = createTestCentre({}, { random: () => draws.shift() ?? 1 });
    f = await reviewFixture(t);
    reviewer = await signIn(t.tokens.reviewer);
  });
  afterEach(() => t.close());

  describe('when the counts are asked for', () => {
    it('answers the open, urgent and QA figures as JSON', async () => {
      await f.send({ subject: 'user:u-1' });
      await f.send({ subject: 'user:u-2', indicatorIds: [f.urgent] });
      const res = await get('/console/review/counts');
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(await res.json()).toEqual({ open: 2, urgent: 1, qa: 0 });
    });
  });

  describe('when a decision form comes back incomplete or malformed', () => {
    it('shows the form again with a message beside the field, keeping what was typed, and decides nothing', async () => {
      const id = await f.send();
      expect(await claim()).toBe(id);
      const none = await post(`/console/review/reports/${id}/decision`, { comment: 'Looked twice.', claimNext: 'on' });
      expect(none.status).toBe(422);
      const page = await none.text();
      expect(page).toContain('Choose forward or one of the unfounded reasons');
      expect(page).toContain('Looked twice.</textarea>');
      const control = await post(`/console/review/reports/${id}/decision`, { decision: 'other', comment: 'bell\u0007' });
      expect(control.status).toBe(422);
      expect(await control.text()).toContain('comment must be 1 to 1000 printable characters');
      expect((await viewOf(id)).review).toMatchObject({ state: 'in_review', claimedBy: 'reviewer-1' });
    });

    it('records a typed comment as one line, and the standard sentence when it is left empty', async () => {
      const first = await f.send({ subject: 'user:u-1' });
      const second = await f.send({ subject: 'user:u-2' });
      expect(await claim()).toBe(first);
      const typed = await post(`/console/review/reports/${first}/decision`, { decision: 'duplicate', comment: 'Same upload\r\nas yesterday.', claimNext: 'on' });
      expect(typed.status).toBe(303);
      expect(typed.headers.get('location')).toBe(`/console/review/reports/${second}`);
      expect((await viewOf(first)).review).toMatchObject({ state: 'unfounded', reason: 'duplicate', comment: 'Same upload as yesterday.' });
      const empty = await post(`/console/review/reports/${second}/decision`, { decision: 'not_csam', comment: '' });
      expect(empty.headers.get('location')).toBe('/console/review');
      expect((await viewOf(second)).review).toMatchObject({ reason: 'not_csam', comment: UNFOUNDED_REASON_WORDS.not_csam.sentence });
    });
  });

  describe('when the Centre refuses the step', () => {
    it('shows REVIEW_NOT_CLAIMED for a report another reviewer holds, with the way back, and changes nothing', async () => {
      const id = await f.send();
      const other = await signIn(t.account('reviewer-2', 'reviewer'));
      expect(await claim(other)).toBe(id);
      const res = await post(`/console/review/reports/${id}/decision`, { decision: 'forwarded' });
      expect(res.status).toBe(409);
      const page = await res.text();
      expect(page).toContain('REVIEW_NOT_CLAIMED');
      expect(page).toContain('href="/console/review"');
      expect((await viewOf(id)).review).toMatchObject({ state: 'in_review', claimedBy: 'reviewer-2' });
    });

    it('shows REVIEW_ALREADY_DECIDED for a second decision', async () => {
      const id = await f.send();
      await claim();
      expect((await post(`/console/review/reports/${id}/decision`, { decision: 'forwarded' })).status).toBe(303);
      const again = await post(`/console/review/reports/${id}/decision`, { decision: 'other' });
      expect(again.status).toBe(409);
      expect(await again.text()).toContain('REVIEW_ALREADY_DECIDED');
      expect((await viewOf(id)).review.state).toBe('forwarded');
    });
  });

  describe('when a reviewer tries to check their own decision', () => {
    it('offers no such QA check and refuses one posted directly, leaving it pending', async () => {
      const id = await f.send();
      await claim();
      draws.push(0);
      expect((await post(`/console/review/reports/${id}/decision`, { decision: 'forwarded' })).status).toBe(303);
      expect((await post('/console/review/qa/claim', {})).headers.get('location')).toBe('/console/review?nothing=qa');
      const res = await post(`/console/review/reports/${id}/qa`, { verdict: 'agree', comment: '' });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(await res.text()).toMatch(/REVIEW_(SAME_REVIEWER|NO_QA_PENDING|NOT_CLAIMED)/);
      const other = await signIn(t.account('reviewer-2', 'reviewer'));
      // Still pending for another reviewer: the refused check changed nothing.
      expect((await post('/console/review/qa/claim', {}, other)).headers.get('location')).toBe(`/console/review/reports/${id}`);
    });
  });

  describe('when a report is opened that the reviewer does not hold', () => {
    it('shows it to read only, without a decision form', async () => {
      const id = await f.send();
      const page = await (await get(`/console/review/reports/${id}`)).text();
      expect(page).toContain('You do not hold this report');
      expect(page).not.toContain(`/console/review/reports/${id}/decision`);
    });

    it('answers CONSOLE_NOT_FOUND for a malformed or unknown id', async () => {
      for (const id of ['not-a-report', '00000000-0000-4000-8000-000000000000']) {
        const res = await get(`/console/review/reports/${id}`);
        expect(res.status).toBe(404);
        expect(await res.text()).toContain('CONSOLE_NOT_FOUND');
      }
    });
  });

  describe('when a QA check disagrees without a comment', () => {
    it('asks for the comment and keeps the decision', async () => {
      const id = await f.send();
      const ben = t.account('reviewer-2', 'reviewer');
      expect((await t.request('GET', '/v1/review/next', ben)).status).toBe(200);
      draws.push(0);
      expect((await t.request('POST', `/v1/review/reports/${id}/decision`, ben, JSON.stringify({ decision: 'forwarded' }), 'application/json')).status).toBe(200);
      const claimed = await post('/console/review/qa/claim', {});
      expect(claimed.headers.get('location')).toBe(`/console/review/reports/${id}`);
      const res = await post(`/console/review/reports/${id}/qa`, { verdict: 'disagree', comment: '' });
      expect(res.status).toBe(422);
      expect(await res.text()).toContain('A disagreement reopens the decision: say why in the comment');
      expect((await viewOf(id)).review.state).toBe('forwarded');
    });
  });
});
