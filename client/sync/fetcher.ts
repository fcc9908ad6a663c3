import { clampTimerMs } from '../../shared/timer.ts';
import { BodyTooLargeError, drain, readCapped, retryAfterMs, type FetchLike, type FetchResponse } from '../net/http.ts';
import { SyncError } from './errors.ts';

export interface FetchBytesOptions {
  readonly headers?: Record<string, string>;
  /** Endless-data defence (TUF): the response is abandoned past this size. */
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/**
 * GETs a URL and returns its body, refusing more than `maxBytes` (from
 * Content-Length up front, and counted while streaming for a server that
 * lies or streams forever). Maps 429/503 to SYNC_RATE_LIMITED with the
 * server's Retry-After; 404 to null.
 */
export async function fetchBytes(fetch: FetchLike, url: string, options: FetchBytesOptions): Promise<Uint8Array | null> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), clampTimerMs(options.timeoutMs));
  try {
    let res: FetchResponse;
    try {
      res = await fetch(url, { headers: options.headers ?? {}, signal: controller.signal });
    } catch (cause) {
      throw new SyncError('SYNC_NETWORK', `could not reach ${url}`, { cause });
    }
    if (res.status === 404) {
      await drain(res);
      return null;
    }
    if (res.status === 429 || res.status === 503) {
      await drain(res);
      const wait = retryAfterMs(res.headers.get('retry-after'), Date.now());
      throw new SyncError('SYNC_RATE_LIMITED', `${url} answered ${res.status}`, wait === undefined ? {} : { retryAfterSeconds: wait / 1000 });
    }
    if (res.status !== 200) {
      await drain(res);
      throw new SyncError('SYNC_HTTP_STATUS', `${url} answered ${res.status}`);
    }
    try {
      return await readCapped(res, options.maxBytes);
    } catch (cause) {
      if (cause instanceof BodyTooLargeError) {
        controller.abort();
        throw new SyncError('SYNC_TOO_LARGE', `${url} sent more than the limit of ${options.maxBytes} bytes`, { cause });
      }
      throw new SyncError('SYNC_NETWORK', `reading ${url} failed`, { cause });
    }
  } finally {
    clearTimeout(timer);
  }
}
