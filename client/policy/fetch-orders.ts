import { clampTimerMs } from '../../shared/timer.ts';
import { CertificateError, EnvelopeError, verifyCertifiedEnvelope, type VerifierKey } from '../../shared/crypto/index.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { decodeOrderList, MAX_ORDER_LIST_BYTES, ORDERS_PAYLOAD_TYPE, type OrderList } from '../../shared/wire/order.ts';
import { PolicyError } from './errors.ts';
import { apiUrl, BodyTooLargeError, drain, readCapped, retryAfterMs, type FetchLike, type FetchResponse } from '../net/http.ts';
import type { OrderSet } from './order-set.ts';

/** The certificate purpose the Centre signs every feed object with, orders included (docs/PROTOCOL.md 4, 10). */
const FEED_SIGNING_PURPOSE = 'feed-signing';
/** The envelope around the largest accepted payload. */
export const MAX_ORDER_ENVELOPE_BYTES = MAX_ORDER_LIST_BYTES + 64 * 1024;

export interface FetchOrdersOptions {
  /** The Centre's base URL (orders are per provider: never from a static mirror). */
  readonly baseUrl: string;
  /** The provider account's bearer token. */
  readonly token: string;
  readonly fetch: FetchLike;
  /** The pinned root verifier key (C2SP string or parsed). */
  readonly rootKey: string | VerifierKey;
  /** The encoded signing-key certificates (GET /v1/feed/keys), as the feed sync already holds them. */
  readonly certificates: () => readonly Uint8Array[] | Promise<readonly Uint8Array[]>;
  /** Where the accepted list goes (and whose issuedAt guards against rollback). */
  readonly orders: OrderSet;
  readonly now: number;
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
}

export interface OrderUpdate {
  readonly list: OrderList;
  /** False when the Centre sent the list already held (same issuedAt). */
  readonly changed: boolean;
}

/**
 * One order refresh (docs/PROTOCOL.md 10.3):
 *  1. GET /v1/feed/orders with the provider token, at most `maxBytes`;
 *  2. verify the envelope under a root-certified feed-signing key valid now,
 *     before decoding anything (PROTOCOL 4.3);
 *  3. decode the payload with the strict guard;
 *  4. the list must be for this provider (ORDERS_WRONG_PROVIDER);
 *  5. it must not be older than the list held (ORDERS_ROLLBACK);
 *  6. persist it, then use it.
 * On any failure the held list stays in force; it lapses order by order on
 * its own, and the policy refuses everything once it is too old.
 */
export async function fetchOrders(options: FetchOrdersOptions): Promise<OrderUpdate> {
  const maxBytes = options.maxBytes ?? MAX_ORDER_ENVELOPE_BYTES;
  const envelope = await getEnvelope(options, maxBytes);
  let payload: Uint8Array;
  try {
    const certificates = await options.certificates();
    payload = verifyCertifiedEnvelope(envelope, ORDERS_PAYLOAD_TYPE, { root: options.rootKey, certificates, purpose: FEED_SIGNING_PURPOSE, at: options.now, maxBytes }).payload;
  } catch (cause) {
    if (cause instanceof EnvelopeError || cause instanceof CertificateError) {
      throw new PolicyError(cause.code === 'ENVELOPE_MALFORMED' ? 'ORDERS_MALFORMED' : 'ORDERS_UNTRUSTED', `order list: ${cause.message}`, { cause });
    }
    throw cause;
  }
  let list: OrderList;
  try {
    list = decodeOrderList(payload);
  } catch (cause) {
    if (cause instanceof WireError) throw new PolicyError('ORDERS_MALFORMED', `order list: ${cause.message}`, { cause });
    throw cause;
  }
  const changed = options.orders.accept(list, envelope, payload, options.now);
  return { list, changed };
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
