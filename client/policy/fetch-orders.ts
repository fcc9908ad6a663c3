import { clampTimerMs } from '../../shared/timer.ts';
import { MAX_ORDER_LIST_BYTES } from '../../shared/wire/order.ts';
import type { OrderUpdate, TrustedStore } from '../sync/trusted-store/index.ts';
import { PolicyError } from './errors.ts';
import { apiUrl, BodyTooLargeError, drain, readCapped, retryAfterMs, type FetchLike, type FetchResponse } from '../net/http.ts';
import type { OrderSet } from './order-set.ts';

/** The envelope around the largest accepted payload. */
export const MAX_ORDER_ENVELOPE_BYTES = MAX_ORDER_LIST_BYTES + 64 * 1024;

export type { OrderUpdate };

export interface FetchOrdersOptions {
  /** The Centre's base URL (orders are per provider: never from a static mirror). */
  readonly baseUrl: string;
  /** The provider account's bearer token. */
  readonly token: string;
  readonly fetch: FetchLike;
  /** Decides whether the list is trusted (its root, key purpose, freshness, rollback): this only fetches. */
  readonly store: Pick<TrustedStore, 'acceptOrderList'>;
  /** Where the accepted list goes (and whose issuedAt guards against rollback). */
  readonly orders: OrderSet;
  readonly now: number;
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
}

/**
 * One order refresh (docs/PROTOCOL.md 10.3): step 1 here, GET
 * /v1/feed/orders with the provider token, at most `maxBytes`, within
 * `timeoutMs`; steps 2 to 6 in the trusted store (TrustedStore
 * .acceptOrderList). On any failure the held list stays in force; it lapses
 * order by order on its own, and the policy refuses everything once it is
 * too old.
 */
export async function fetchOrders(options: FetchOrdersOptions): Promise<OrderUpdate> {
  const envelope = await getEnvelope(options, options.maxBytes ?? MAX_ORDER_ENVELOPE_BYTES);
  return options.store.acceptOrderList(envelope, options.orders, options.now);
}

async function getEnvelope(options: FetchOrdersOptions, maxBytes: number): Promise<Uint8Array> {
  const url = apiUrl(options.baseUrl, '/v1/feed/orders');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), clampTimerMs(options.timeoutMs ?? 30_000));
  try {
    let res: FetchResponse;
    try {
      res = await options.fetch(url, { headers: { authorization: `Bearer ${options.token}`, accept: 'application/msgpack' }, signal: controller.signal });
    } catch (cause) {
      throw new PolicyError('ORDERS_NETWORK', `could not reach ${url}`, { cause });
    }
    if (res.status !== 200) {
      await drain(res);
      throw new PolicyError('ORDERS_HTTP_STATUS', `${url} answered ${res.status}`, { retryAfterMs: retryAfterMs(res.headers.get('retry-after'), options.now) });
    }
    try {
      return await readCapped(res, maxBytes);
    } catch (cause) {
      controller.abort();
      if (cause instanceof BodyTooLargeError) throw new PolicyError('ORDERS_TOO_LARGE', `${url}: ${cause.message}`, { cause });
      throw new PolicyError('ORDERS_NETWORK', `reading ${url} failed`, { cause });
    }
  } finally {
    clearTimeout(timer);
  }
}
