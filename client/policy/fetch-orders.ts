import { MAX_ORDER_LIST_BYTES } from '../../shared/wire/order.ts';
import type { OrderUpdate, TrustedStore } from '../sync/trusted-store/index.ts';
import { PolicyError } from './errors.ts';
import type { FetchLike } from '../net/http.ts';
import { fetchProviderList } from '../net/provider-list.ts';
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
  const { baseUrl, token, fetch, now, timeoutMs } = options;
  const envelope = await fetchProviderList(
    { baseUrl, path: '/v1/feed/orders', token, fetch, now, maxBytes: options.maxBytes ?? MAX_ORDER_ENVELOPE_BYTES, ...(timeoutMs === undefined ? {} : { timeoutMs }) },
    (failure, message, details) => new PolicyError(`ORDERS_${failure}`, message, details),
  );
  return options.store.acceptOrderList(envelope, options.orders, options.now);
}
