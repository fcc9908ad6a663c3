import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const LONG = 'x'.repeat(200_000);
const JSON_TYPE = 'application/json';

/** Requests that put 200 kB of caller input where an error message would name it. */
const CASES: readonly [name: string, method: string, path: string, role: 'admin' | 'authority' | 'provider', body: string, type: string][] = [
  ['an unknown JSON field name', 'POST', '/v1/provider/keys', 'provider', JSON.stringify({ [LONG]: 1 }), JSON_TYPE],
  ['an unknown account in the path', 'GET', `/v1/accounts/${LONG}/tokens`, 'admin', '', JSON_TYPE],
  ['an unaccepted content type', 'POST', '/v1/indicators', 'authority', '[]', `text/${LONG}`],
  ['an unknown field in an indicator row', 'POST', '/v1/indicators', 'authority', JSON.stringify([{ [LONG]: 1 }]), JSON_TYPE],
  ['an unknown category', 'POST', '/v1/indicators', 'authority', JSON.stringify([{ algorithm: 'md5', hash: '0'.repeat(32), category: LONG, reference: 'r' }]), JSON_TYPE],
  ['an unknown algorithm', 'POST', '/v1/indicators', 'authority', JSON.stringify([{ algorithm: LONG, hash: '00', category: 'A1', reference: 'r' }]), JSON_TYPE],
];

describe('error messages', () => {
  let t: TestCentre;
  beforeAll(() => {
    t = createTestCentre();
  });
  afterAll(() => t.close());

  describe('when a request carries long input where a message would name it', () => {
    it.each(CASES)('answers %s with a short message that quotes only its start', async (_name, method, path, role, body, type) => {
      const res = await t.request(method, path, t.tokens[role], method === 'GET' ? undefined : body, type);
      expect(res.status).toBeGreaterThanOrEqual(400);
      const text = await res.text();
      expect(text.length).toBeLessThan(4096);
      expect(text).not.toContain('x'.repeat(100));
      expect(text).toMatch(/"code":"[A-Z_]+"/);
    });
  });
});
