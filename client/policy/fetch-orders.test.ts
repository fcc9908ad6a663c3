import { beforeEach, describe, expect, it } from 'vitest';
import { encodeEnvelope, generateSigningKey, signEnvelope, type SigningKey } from '../../shared/crypto/index.ts';
import { encodeMsgpack } from '../../shared/wire/codec.ts';
import { encodeOrderList, ORDERS_PAYLOAD_TYPE, type DetectionOrder, type OrderList } from '../../shared/wire/order.ts';
import { openReplicaDatabase } from '../replica/database.ts';
import { Replica } from '../replica/replica.ts';
import { makeTestRoot, storeTrusting, type TestRoot } from '../sync/testing/test-root.ts';
import type { TrustedStore } from '../sync/trusted-store/index.ts';
import { fetchOrders, type FetchOrdersOptions } from './fetch-orders.ts';
import type { FetchInit, FetchLike, FetchResponse } from '../net/http.ts';
import { OrderSet } from './order-set.ts';
import { codeOfAsync } from '../../shared/testing/code-of.ts';
import { sampleOrder } from '../../shared/testing/sample-order.ts';

const NOW = Date.UTC(2026, 10, 1);

const order: DetectionOrder = sampleOrder(NOW, { orderId: 'DE-1' });

const signedList = (list: OrderList, signer: SigningKey): Uint8Array => encodeEnvelope(signEnvelope(ORDERS_PAYLOAD_TYPE, encodeOrderList(list), [signer]));

/** The edge this test is about stops here: a fetch that answers from a script. */
function fakeFetch(respond: () => { status: number; body: Uint8Array; headers?: Record<string, string> } | Error): FetchLike & { calls: { url: string; init: FetchInit }[] } {
  const calls: { url: string; init: FetchInit }[] = [];
  const fn = async (url: string, init: FetchInit): Promise<FetchResponse> => {
    calls.push({ url, init });
    const answer = respond();
    if (answer instanceof Error) throw answer;
    const headers: Record<string, string> = { 'content-length': String(answer.body.byteLength), ...answer.headers };
    return {
      status: answer.status,
      headers: { get: (name) => headers[name.toLowerCase()] ?? null },
      body: (async function* () {
        for (let i = 0; i < answer.body.byteLength; i += 1000) yield answer.body.subarray(i, i + 1000);
      })(),
    };
  };
  return Object.assign(fn, { calls });
}


describe('fetching orders', () => {
  let keys: { root: TestRoot; signer: SigningKey };
  let store: TrustedStore;
  let orders: OrderSet;
  const options = (fetch: FetchLike, overrides: Partial<FetchOrdersOptions> = {}): FetchOrdersOptions => ({
    baseUrl: 'https://centre.example/',
    token: 'hf_provider-token',
    fetch,
    store,
    orders,
    now: NOW,
    ...overrides,
  });

  beforeEach(() => {
    const root = makeTestRoot(NOW);
    keys = { root, signer: root.online['provider-list'] };
    const db = openReplicaDatabase(':memory:');
    store = storeTrusting(new Replica(db), root);
    orders = new OrderSet(db, 'example-host');
  });

  describe('when the Centre sends a valid signed list', () => {
    it('verifies and accepts it, asking with the provider token', async () => {
      const fetch = fakeFetch(() => ({ status: 200, body: signedList({ provider: 'example-host', issuedAt: NOW, orders: [order] }, keys.signer) }));
      const update = await fetchOrders(options(fetch));
      expect(update.changed).toBe(true);
      expect(orders.orders).toEqual([order]);
      expect(fetch.calls[0]?.url).toBe('https://centre.example/v1/feed/orders');
      expect(fetch.calls[0]?.init.headers.authorization).toBe('Bearer hf_provider-token');
    });

    it('reports no change for the same list again', async () => {
      const body = signedList({ provider: 'example-host', issuedAt: NOW, orders: [order] }, keys.signer);
      const fetch = fakeFetch(() => ({ status: 200, body }));
      await fetchOrders(options(fetch));
      expect((await fetchOrders(options(fetch))).changed).toBe(false);
    });
  });

  describe('when the list cannot be trusted', () => {
    it.each([
      ['signed by an unlisted key', () => signedList({ provider: 'example-host', issuedAt: NOW, orders: [order] }, generateSigningKey('hashfeed/test/provider-list')), 'ORDERS_UNTRUSTED'],
      ['signed by the feed key (wrong purpose)', () => signedList({ provider: 'example-host', issuedAt: NOW, orders: [order] }, keys.root.online.feed), 'ORDERS_UNTRUSTED'],
      ['signed as another payload type', () => encodeEnvelope(signEnvelope('hashfeed/timestamp/v1', encodeOrderList({ provider: 'example-host', issuedAt: NOW, orders: [] }), [keys.signer])), 'ORDERS_UNTRUSTED'],
      ['not an envelope', () => Uint8Array.from([1, 2, 3]), 'ORDERS_MALFORMED'],
      ['a signed payload that is not an order list', () => encodeEnvelope(signEnvelope(ORDERS_PAYLOAD_TYPE, encodeMsgpack({ provider: 'example-host' }), [keys.signer])), 'ORDERS_MALFORMED'],
      ["another provider's list", () => signedList({ provider: 'other-host', issuedAt: NOW, orders: [] }, keys.signer), 'ORDERS_WRONG_PROVIDER'],
      ['issued 300 days ahead of the clock (a Centre clock fault)', () => signedList({ provider: 'example-host', issuedAt: NOW + 300 * 86_400_000, orders: [order] }, keys.signer), 'ORDERS_FROM_FUTURE'],
    ])('refuses a list %s and keeps none', async (_name, body, code) => {
      expect(await codeOfAsync(fetchOrders(options(fakeFetch(() => ({ status: 200, body: body() })))))).toBe(code);
      expect(orders.issuedAt).toBeUndefined();
    });

    it.each(['timestamp', 'feed', 'checkpoint'] as const)('refuses a list signed by the %s key, listed for another purpose (SIGNER_WRONG_PURPOSE)', async (purpose) => {
      const fetch = fakeFetch(() => ({ status: 200, body: signedList({ provider: 'example-host', issuedAt: NOW, orders: [] }, keys.root.online[purpose]) }));
      const err = await fetchOrders(options(fetch)).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'ORDERS_UNTRUSTED', cause: { code: 'SIGNER_WRONG_PURPOSE' } });
    });

    it('refuses every list before a root is trusted', async () => {
      const { TrustedStore: Store, rootPinOf } = await import('../sync/trusted-store/index.ts');
      const empty = new Store({ replica: new Replica(openReplicaDatabase(':memory:')), pin: rootPinOf([keys.root.rootKey.verifier.text], 1), feed: 'test' });
      const fetch = fakeFetch(() => ({ status: 200, body: signedList({ provider: 'example-host', issuedAt: NOW, orders: [] }, keys.signer) }));
      expect(await codeOfAsync(fetchOrders(options(fetch, { store: empty })))).toBe('ORDERS_UNTRUSTED');
    });

    it('refuses an older list than the one held (rollback) and keeps the held one', async () => {
      const newer = signedList({ provider: 'example-host', issuedAt: NOW + 5, orders: [] }, keys.signer);
      const older = signedList({ provider: 'example-host', issuedAt: NOW, orders: [order] }, keys.signer);
      let body = newer;
      const fetch = fakeFetch(() => ({ status: 200, body }));
      await fetchOrders(options(fetch, { now: NOW + 10 }));
      body = older;
      expect(await codeOfAsync(fetchOrders(options(fetch, { now: NOW + 20 })))).toBe('ORDERS_ROLLBACK');
      expect(orders.orders).toEqual([]);
      expect(orders.issuedAt).toBe(NOW + 5);
    });
  });

  describe('when the transport fails', () => {
    it('maps an unreachable Centre to ORDERS_NETWORK', async () => {
      expect(await codeOfAsync(fetchOrders(options(fakeFetch(() => new Error('ECONNREFUSED')))))).toBe('ORDERS_NETWORK');
    });

    it('maps 503 to ORDERS_HTTP_STATUS with the Retry-After', async () => {
      const fetch = fakeFetch(() => ({ status: 503, body: new Uint8Array(0), headers: { 'retry-after': '7' } }));
      await expect(fetchOrders(options(fetch))).rejects.toMatchObject({ code: 'ORDERS_HTTP_STATUS', retryAfterMs: 7000 });
    });

    it('refuses a response over the size cap, declared or streamed', async () => {
      const body = signedList({ provider: 'example-host', issuedAt: NOW, orders: [order] }, keys.signer);
      expect(await codeOfAsync(fetchOrders(options(fakeFetch(() => ({ status: 200, body })), { maxBytes: 100 })))).toBe('ORDERS_TOO_LARGE');
      const lying = fakeFetch(() => ({ status: 200, body, headers: { 'content-length': '10' } }));
      expect(await codeOfAsync(fetchOrders(options(lying, { maxBytes: 100 })))).toBe('ORDERS_TOO_LARGE');
    });
  });
});
