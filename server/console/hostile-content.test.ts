import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reviewFixture, type ReviewFixture } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { signInInProcess } from './testing/console-session.ts';

/** Markup a hostile order issuer or provider may put in the fields their wire formats allow (printable text, ids without spaces). */
const SCRIPT = '</dd><script>alert(1)</script>';
const IMAGE = '"><img src=x onerror=alert(2)>';
const SUBJECT_ID = '"><svg/onload=alert(3)>';
const BASE = "'><base href=//evil.example/><meta http-equiv=refresh content=0;url=//evil.example>";

/** What must never appear in a page: any element or attribute the hostile text tried to open. */
function expectInert(html: string): void {
  for (const opened of ['<script>alert', '<img src=x', '<svg/onload', '<base href', '<meta http-equiv']) expect(html).not.toContain(opened);
  // Every `<` of the hostile text is escaped, so a real tag carrying a handler would be the page's own.
  expect(html).not.toMatch(/<[^>]*\son(error|load)=/);
}

/** The console renders what providers, issuers and authorities wrote as text, never as markup (docs/CONSOLE.md, "Forms and security headers"). */
describe('console pages showing hostile content', () => {
  let t: TestCentre;
  let f: ReviewFixture;
  beforeEach(async () => {
    t = createTestCentre();
    f = await reviewFixture(t, {
      memberState: 'DE',
      orderId: 'DE:2026:0001',
      issuingAuthority: IMAGE,
      legalReference: `${SCRIPT} ${BASE}`,
      targets: { users: [SUBJECT_ID, 'u-1'], groups: [], channels: [] },
    });
  });
  afterEach(() => t.close());

  describe('when a reviewer opens a report whose order and subject carry markup', () => {
    it('shows them escaped, as text', async () => {
      const reportId = await f.send({ subject: `user:${SUBJECT_ID}` });
      const reviewer = await signInInProcess(t.app, t.tokens.reviewer);
      expect((await reviewer.post('/console/review/claim', {})).headers.get('location')).toBe(`/console/review/reports/${reportId}`);
      const page = await (await reviewer.get(`/console/review/reports/${reportId}`)).text();
      expectInert(page);
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page).toContain('&quot;&gt;&lt;svg/onload=alert(3)&gt;');
    });
  });

  describe('when an operator lists and ends such an order', () => {
    it('shows its issuer and reference escaped, on the list and the end page', async () => {
      const operator = await signInInProcess(t.app, t.tokens.operator);
      const list = await (await operator.get('/console/orders')).text();
      expectInert(list);
      expect(list).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
      const end = await operator.get(`/console/orders/${encodeURIComponent('DE:2026:0001')}/end`);
      expect(end.status).toBe(200);
      const html = await end.text();
      expectInert(html);
      expect(html).toContain('&lt;base href=//evil.example/&gt;');
    });

    it('keeps a hostile reason typed on the end form inert when the form comes back', async () => {
      const operator = await signInInProcess(t.app, t.tokens.operator);
      const answer = await operator.post(`/console/orders/${encodeURIComponent('DE:2026:0001')}/end`, { reason: `</textarea>${SCRIPT}${IMAGE}` });
      expect(answer.status).toBe(422);
      const html = await answer.text();
      expectInert(html);
      expect(html).not.toContain('</textarea></dd>');
    });
  });
});
