import { clampTimerMs } from '../../shared/timer.ts';
import { apiUrl, BodyTooLargeError, drain, readCapped, retryAfterMs, type FetchLike, type FetchResponse } from './http.ts';

/** What can go wrong fetching a provider-scoped list, before anything is verified; each list names its own code (ORDERS_NETWORK, DECISIONS_TOO_LARGE, ...). */
export type ProviderListFailure = 'NETWORK' | 'HTTP_STATUS' | 'TOO_LARGE';

export interface ProviderListRequest {
  /** The Centre's base URL: provider-scoped lists never come from a static mirror. */
  readonly baseUrl: string;
  /** Path and query under it, e.g. `/v1/feed/orders`. */
  readonly path: string;
  /** The provider account's bearer token. */
  readonly token: string;
  readonly fetch: FetchLike;
  readonly maxBytes: number;
  readonly timeoutMs?: number;
  /** The local clock, to read an HTTP-date Retry-After against. */
  readonly now: number;
}

/**
 * GET of a signed list scoped to this provider (orders, decisions): the
 * envelope's bytes, at most `maxBytes`, within `timeoutMs` (default 30 s).
 * Nothing is verified here; the trusted store decides. `refuse` makes the
 * list's own error.
 */
export async function fetchProviderList(
  request: ProviderListRequest,
  refuse: (failure: ProviderListFailure, message: string, details: { readonly cause?: unknown; readonly retryAfterMs?: number | undefined; readonly status?: number }) => Error,
): Promise<Uint8Array> {
  const url = apiUrl(request.baseUrl, request.path);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), clampTimerMs(request.timeoutMs ?? 30_000));
  try {
    let res: FetchResponse;
    try {
      res = await request.fetch(url, { headers: { authorization: `Bearer ${request.token}`, accept: 'application/msgpack' }, signal: controller.signal });
    } catch (cause) {
      throw refuse('NETWORK', `could not reach ${url}`, { cause });
    }
    if (res.status !== 200) {
      await drain(res);
      throw refuse('HTTP_STATUS', `${url} answered ${res.status}`, { retryAfterMs: retryAfterMs(res.headers.get('retry-after'), request.now), status: res.status });
    }
    try {
      return await readCapped(res, request.maxBytes);
    } catch (cause) {
      controller.abort();
      if (cause instanceof BodyTooLargeError) throw refuse('TOO_LARGE', `${url}: ${cause.message}`, { cause });
      throw refuse('NETWORK', `reading ${url} failed`, { cause });
    }
  } finally {
    clearTimeout(timer);
  }
}
