import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEY_PURPOSES } from '../../shared/trust/index.ts';
import { openSigned, trustedRootFrom } from '../../shared/trust/testing/trusted-root.ts';
import { decodeOrderList, ORDERS_PAYLOAD_TYPE, type OrderList } from '../../shared/wire/order.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { sampleOrder } from '../../shared/testing/sample-order.ts';

const DAY = 86_400_000;
type Json = Record<string, unknown>;

const orderBody = (t: TestCentre, overrides: Json = {}): Json => ({
  ...sampleOrder(t.clock.now - DAY, { targets: { users: ['u-1001'], groups: [], channels: [] }, notAfter: t.clock.now + 30 * DAY }),
  ...overrides,
});

async function register(t: TestCentre, body: Json): Promise<Response> {
  return t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify(body), 'application/json');
}

const errorCode = async (res: Response): Promise<string> => ((await res.json()) as { error: { code: string } }).error.code;

/** What a sidecar does: the root chain from /v1/feed/keys walked from the pinned root, then the list under a provider-list key. */
async function fetchList(t: TestCentre, token = t.tokens.provider): Promise<OrderList> {
  const root = trustedRootFrom(new Uint8Array(await (await t.request('GET', '/v1/feed/keys', token)).arrayBuffer()), t.rootVerifierKey);
  const res = await t.request('GET', '/v1/feed/orders', token);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('private, no-store');
  const payload = openSigned(new Uint8Array(await res.arrayBuffer()), ORDERS_PAYLOAD_TYPE, root, KEY_PURPOSES.providerList, t.clock.now);
  return decodeOrderList(payload);
}

describe('detection orders', () => {
  let t: TestCentre;
  beforeEach(() => {
    t = createTestCentre();
  });
  afterEach(() => t.close());

  describe('when an operator registers a valid order', () => {
    it('answers 201 with the order and its status', async () => {
      const res = await register(t, orderBody(t));
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ order: { ...orderBody(t), memberState: null, status: 'active', createdAt: t.clock.now, createdBy: 'centre-op', endedAt: null, endedBy: null } });
    });

    it('keeps its issuing Member State for the Centre, outside the list the provider receives', async () => {
      const res = await register(t, orderBody(t, { memberState: 'DE' }));
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ order: { orderId: 'DE-2026-0001', memberState: 'DE' } });
      expect(t.centre.orders.get('DE-2026-0001')?.memberState).toBe('DE');
      expect((await fetchList(t)).orders[0]).toEqual(orderBody(t));
    });

    it('audits the registration with target counts, never the targets', async () => {
      await register(t, orderBody(t, { targets: { users: ['u-secret-1'], groups: ['g-9'], channels: [] } }));
      const audit = await (await t.request('GET', '/v1/audit', t.tokens.admin)).text();
      expect(audit).toContain('"action":"order.register"');
      expect(audit).toContain('"targets":{"users":1,"groups":1,"channels":0}');
      expect(audit).not.toContain('u-secret-1');
    });

    it('lists it for operators', async () => {
      await register(t, orderBody(t));
      await register(t, orderBody(t, { orderId: 'DE-2026-0002', notBefore: t.clock.now + DAY }));
      const list = (await (await t.request('GET', '/v1/orders', t.tokens.operator)).json()) as { orders: { orderId: string; status: string }[]; next: unknown };
      expect(list.orders.map((o) => [o.orderId, o.status])).toEqual([
        ['DE-2026-0001', 'active'],
        ['DE-2026-0002', 'scheduled'],
      ]);
      expect(list.next).toBeNull();
    });
  });

  describe('when the order is not acceptable', () => {
    it.each([
      ['an unknown provider', { provider: 'nobody' }, 400, 'ORDER_UNKNOWN_PROVIDER'],
      ['an account that is not a provider', { provider: 'DE-BKA' }, 400, 'ORDER_UNKNOWN_PROVIDER'],
      ['notBefore equal to notAfter', { notBefore: 1_800_000_000_000, notAfter: 1_800_000_000_000 }, 400, 'WIRE_BAD_FIELD'],
      ['no surfaces', { surfaces: [] }, 400, 'WIRE_BAD_FIELD'],
      ['no targets', { targets: { users: [], groups: [], channels: [] } }, 400, 'WIRE_BAD_FIELD'],
      ['an unknown field', { everyone: true }, 400, 'WIRE_UNKNOWN_FIELD'],
      ['a missing field', { legalReference: undefined }, 400, 'WIRE_MISSING_FIELD'],
      ['a Member State that is not an ISO 3166-1 code', { memberState: 'EU' }, 400, 'BAD_REQUEST'],
      ['a Member State in lower case', { memberState: 'de' }, 400, 'BAD_REQUEST'],
      ['a Member State that is not a string', { memberState: 49 }, 400, 'BAD_REQUEST'],
      ['a null Member State', { memberState: null }, 400, 'BAD_REQUEST'],
    ])('refuses %s', async (_name, overrides, status, code) => {
      const res = await register(t, orderBody(t, overrides));
      expect(res.status).toBe(status);
      expect(await errorCode(res)).toBe(code);
      expect(((await (await t.request('GET', '/v1/orders', t.tokens.operator)).json()) as { orders: unknown[] }).orders).toEqual([]);
    });

    it('refuses an order that has already lapsed', async () => {
      const res = await register(t, orderBody(t, { notBefore: t.clock.now - 2 * DAY, notAfter: t.clock.now }));
      expect(await errorCode(res)).toBe('ORDER_ALREADY_LAPSED');
    });

    it('refuses a second order with the same id with 409', async () => {
      await register(t, orderBody(t));
      const res = await register(t, orderBody(t, { provider: 'example-host', surfaces: ['other'] }));
      expect(res.status).toBe(409);
      expect(await errorCode(res)).toBe('CONFLICT');
    });

    it('refuses a body that is not JSON', async () => {
      const res = await t.request('POST', '/v1/orders', t.tokens.operator, 'orderId=1', 'application/json');
      expect(await errorCode(res)).toBe('BAD_REQUEST');
    });
  });

  describe('the signed list a provider fetches', () => {
    it('holds exactly its own live orders, issued now, signed like the feed', async () => {
      t.account('other-host', 'provider');
      await register(t, orderBody(t));
      await register(t, orderBody(t, { orderId: 'DE-2026-0002', notBefore: t.clock.now + DAY }));
      await register(t, orderBody(t, { orderId: 'NL-2026-0001', provider: 'other-host' }));
      const list = await fetchList(t);
      expect(list.provider).toBe('example-host');
      expect(list.issuedAt).toBe(t.clock.now);
      expect(list.orders.map((o) => o.orderId)).toEqual(['DE-2026-0001', 'DE-2026-0002']);
      expect(list.orders[0]).toEqual(orderBody(t));
    });

    it('drops an order once its notAfter has passed', async () => {
      await register(t, orderBody(t, { notAfter: t.clock.now + 1000 }));
      expect((await fetchList(t)).orders).toHaveLength(1);
      t.clock.now += 1000;
      expect((await fetchList(t)).orders).toHaveLength(0);
    });

    it('is empty for a provider without orders', async () => {
      const other = t.account('other-host', 'provider');
      await register(t, orderBody(t));
      expect((await fetchList(t, other)).orders).toEqual([]);
    });
  });

  describe('when an operator ends an order early', () => {
    it('drops it from the provider list and audits who ended it and why', async () => {
      await register(t, orderBody(t));
      t.clock.now += 60_000;
      const res = await t.request('POST', '/v1/orders/DE-2026-0001/end', t.tokens.operator, JSON.stringify({ reason: 'court revoked the order' }), 'application/json');
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ order: { orderId: 'DE-2026-0001', status: 'ended', endedAt: t.clock.now, endedBy: 'centre-op' } });
      expect((await fetchList(t)).orders).toEqual([]);
      const audit = await (await t.request('GET', '/v1/audit', t.tokens.admin)).text();
      expect(audit).toContain('"action":"order.end"');
      expect(audit).toContain('court revoked the order');
    });

    it('accepts no body at all', async () => {
      await register(t, orderBody(t));
      expect((await t.request('POST', '/v1/orders/DE-2026-0001/end', t.tokens.operator)).status).toBe(200);
    });

    it('refuses to end it twice with 409, and an unknown order with 404', async () => {
      await register(t, orderBody(t));
      await t.request('POST', '/v1/orders/DE-2026-0001/end', t.tokens.operator);
      expect((await t.request('POST', '/v1/orders/DE-2026-0001/end', t.tokens.operator)).status).toBe(409);
      expect((await t.request('POST', '/v1/orders/DE-0000/end', t.tokens.operator)).status).toBe(404);
    });
  });

  describe('the stored terms', () => {
    it('cannot be changed or deleted, even by direct SQL, and an end cannot be undone', async () => {
      await register(t, orderBody(t));
      for (const sql of ["UPDATE orders SET targets = '{}'", 'UPDATE orders SET not_after = not_after + 1', "UPDATE orders SET member_state = 'FR'", 'DELETE FROM orders']) {
        expect(() => t.centre.db.prepare(sql).run()).toThrow(/append-only/);
      }
      await t.request('POST', '/v1/orders/DE-2026-0001/end', t.tokens.operator);
      expect(() => t.centre.db.prepare('UPDATE orders SET ended_at = NULL, ended_by = NULL').run()).toThrow(/append-only/);
    });
  });
});
