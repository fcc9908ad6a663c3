import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

describe('POST /v1/accounts', () => {
  let t: TestCentre;
  beforeEach(() => {
    t = createTestCentre();
  });
  afterEach(() => t.close());

  const create = (body: unknown): Promise<Response> => t.request('POST', '/v1/accounts', t.tokens.admin, JSON.stringify(body), 'application/json');

  describe('when the account fits its role', () => {
    it.each([
      [{ name: 'FR-OCRVP', role: 'authority', memberState: 'FR' }, 'FR'],
      [{ name: 'rev-2', role: 'reviewer' }, null],
      [{ name: 'europol-2', role: 'europol' }, null],
    ])('creates %j', async (body, memberState) => {
      const res = await create(body);
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ account: { name: body.name, role: body.role, memberState } });
    });
  });

  describe('when the Member State does not fit', () => {
    it.each([
      ['an authority without one', { name: 'x', role: 'authority' }],
      ['a reserved code', { name: 'x', role: 'authority', memberState: 'EU' }],
      ['an unassigned code', { name: 'x', role: 'authority', memberState: 'ZZ' }],
      ['lower case', { name: 'x', role: 'authority', memberState: 'fr' }],
      ['a number', { name: 'x', role: 'authority', memberState: 250 }],
      ['a reviewer with one', { name: 'x', role: 'reviewer', memberState: 'DE' }],
      ['a provider with one', { name: 'x', role: 'provider', memberState: 'DE' }],
    ])('refuses %s with 400 BAD_REQUEST and creates nothing', async (_name, body) => {
      const res = await create(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
      expect(t.centre.accounts.byName('x')).toBeUndefined();
    });
  });
});
