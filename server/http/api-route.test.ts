import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../store/accounts.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const REPORT = '/v1/review/reports/00000000-0000-4000-8000-000000000000';
const INBOX = '/v1/inbox/reports/00000000-0000-4000-8000-000000000000';
const SENTENCE = 'The preview shows a landscape.';

/** Requests that fail their route's schema, and the code each route answered with before schemas checked them. */
const CASES: readonly [name: string, method: string, path: string, role: Role, body: unknown, status: number, code: string][] = [
  ['an unfounded decision without a comment', 'POST', `${REPORT}/decision`, 'reviewer', { decision: 'unfounded', reason: 'other' }, 400, 'REVIEW_REASON_REQUIRED'],
  ['an unfounded decision with an unknown reason and no comment', 'POST', `${REPORT}/decision`, 'reviewer', { decision: 'unfounded', reason: 'bogus' }, 400, 'REVIEW_REASON_REQUIRED'],
  ['an unfounded decision with an unknown reason', 'POST', `${REPORT}/decision`, 'reviewer', { decision: 'unfounded', reason: 'bogus', comment: SENTENCE }, 400, 'BAD_REQUEST'],
  ['an unfounded decision with an overlong comment', 'POST', `${REPORT}/decision`, 'reviewer', { decision: 'unfounded', comment: 'x'.repeat(1001) }, 400, 'BAD_REQUEST'],
  ['a forwarded decision with a reason', 'POST', `${REPORT}/decision`, 'reviewer', { decision: 'forwarded', reason: 'other' }, 400, 'BAD_REQUEST'],
  ['an unknown decision', 'POST', `${REPORT}/decision`, 'reviewer', { decision: 'maybe' }, 400, 'BAD_REQUEST'],
  ['a decision with an unknown field', 'POST', `${REPORT}/decision`, 'reviewer', { decision: 'forwarded', urgent: true }, 400, 'BAD_REQUEST'],
  ['a decision on a malformed report id', 'POST', '/v1/review/reports/nope/decision', 'reviewer', { decision: 'forwarded' }, 404, 'NOT_FOUND'],
  ['a reopen without a comment', 'POST', `${REPORT}/reopen`, 'reviewer', {}, 400, 'REVIEW_REASON_REQUIRED'],
  ['a reopen with a null comment', 'POST', `${REPORT}/reopen`, 'reviewer', { comment: null }, 400, 'REVIEW_REASON_REQUIRED'],
  ['a reopen without a body', 'POST', `${REPORT}/reopen`, 'reviewer', undefined, 400, 'BAD_REQUEST'],
  ['a disagreeing QA check without a comment', 'POST', `${REPORT}/qa`, 'reviewer', { verdict: 'disagree' }, 400, 'REVIEW_REASON_REQUIRED'],
  ['a QA check with an unknown verdict', 'POST', `${REPORT}/qa`, 'reviewer', { verdict: 'meh' }, 400, 'BAD_REQUEST'],
  ['a hold until a string', 'POST', `${INBOX}/hold`, 'authority', { until: 'soon' }, 400, 'INBOX_HOLD_INVALID'],
  ['a hold until a fraction', 'POST', `${INBOX}/hold`, 'authority', { until: 1.5 }, 400, 'INBOX_HOLD_INVALID'],
  ['a hold with an unknown field', 'POST', `${INBOX}/hold`, 'authority', { until: Date.UTC(2027, 0, 1), why: 'x' }, 400, 'BAD_REQUEST'],
  ['a hold on a malformed report id', 'POST', '/v1/inbox/reports/nope/hold', 'authority', { until: Date.UTC(2027, 0, 1) }, 404, 'NOT_FOUND'],
  ['an ack of a malformed report id', 'POST', '/v1/inbox/reports/nope/ack', 'authority', undefined, 404, 'NOT_FOUND'],
  ['a report key that is not a string', 'POST', '/v1/provider/keys', 'provider', { verifierKey: 5 }, 400, 'KEY_MALFORMED'],
  ['a key decision on a malformed key ID', 'POST', '/v1/provider/keys/zz/approve', 'operator', { provider: 'example-host' }, 400, 'BAD_REQUEST'],
  ['tokens of a malformed account name', 'GET', '/v1/accounts/no%20such!/tokens', 'admin', undefined, 404, 'NOT_FOUND'],
  ['a token label too long', 'POST', '/v1/accounts/admin/tokens', 'admin', { label: 'x'.repeat(129) }, 400, 'BAD_REQUEST'],
  ['an order with a missing field', 'POST', '/v1/orders', 'operator', { orderId: 'DE-1' }, 400, 'WIRE_MISSING_FIELD'],
  ['an order that is not an object', 'POST', '/v1/orders', 'operator', [], 400, 'WIRE_BAD_FIELD'],
  ['an end of a malformed order id', 'POST', '/v1/orders/-x/end', 'operator', undefined, 404, 'NOT_FOUND'],
  ['a page limit of 0', 'GET', '/v1/audit?limit=0', 'admin', undefined, 400, 'BAD_REQUEST'],
  ['a page limit that is not a number', 'GET', '/v1/indicators?limit=ten', 'operator', undefined, 400, 'BAD_REQUEST'],
  ['an empty batch', 'GET', '/v1/indicators?batch=', 'operator', undefined, 400, 'BAD_REQUEST'],
  ['deltas without since', 'GET', '/v1/feed/deltas', 'provider', undefined, 400, 'BAD_REQUEST'],
  ['a revocation with an unknown reason', 'POST', '/v1/indicators/1/revoke', 'authority', { reason: 'bored' }, 400, 'BAD_REQUEST'],
];

describe('ApiRouter', () => {
  let t: TestCentre;
  beforeAll(() => {
    t = createTestCentre();
  });
  afterAll(() => t.close());

  describe("when a request fails its route's schema", () => {
    it.each(CASES)('answers %s with the code the route used before', async (_name, method, path, role, body, status, code) => {
      const res = await t.request(method, path, t.tokens[role], body === undefined ? undefined : JSON.stringify(body), 'application/json');
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    });
  });

  describe('when a page limit is above its maximum', () => {
    it('cuts it to the maximum rather than refusing it', async () => {
      const res = await t.request('GET', '/v1/audit?limit=5000', t.tokens.admin);
      expect(res.status).toBe(200);
    });
  });
});
