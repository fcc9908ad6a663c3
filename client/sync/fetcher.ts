import { SyncError } from './errors.ts';

/** Any fetch-compatible function (undici's, the global one, or a test's). */
export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<{ status: number; headers: { get(name: string): string | null }; body: AsyncIterable<Uint8Array> | null }>;

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
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await fetch(url, { headers: options.headers ?? {}, signal: controller.signal });
    } catch (cause) {
      throw new SyncError('SYNC_NETWORK', `could not reach ${url}`, { cause });
    }
    if (res.status === 404) {
      await drain(res.body);
      return null;
    }
    if (res.status === 429 || res.status === 503) {
      await drain(res.body);
      throw new SyncError('SYNC_RATE_LIMITED', `${url} answered ${res.status}`, { retryAfterSeconds: retryAfter(res.headers.get('retry-after')) });
    }
    if (res.status !== 200) {
      await drain(res.body);
      throw new SyncError('SYNC_HTTP_STATUS', `${url} answered ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? 'NaN');
    if (declared > options.maxBytes) {
      controller.abort();
      throw new SyncError('SYNC_TOO_LARGE', `${url} declares ${declared} bytes, over the limit of ${options.maxBytes}`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for await (const chunk of res.body ?? []) {
        total += chunk.byteLength;
        if (total > options.maxBytes) {
          controller.abort();
          throw new SyncError('SYNC_TOO_LARGE', `${url} sent more than the limit of ${options.maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
    } catch (cause) {
      if (cause instanceof SyncError) throw cause;
      throw new SyncError('SYNC_NETWORK', `reading ${url} failed`, { cause });
    }
    return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : new Uint8Array(Buffer.concat(chunks));
  } finally {
    clearTimeout(timer);
  }
}

async function drain(body: AsyncIterable<Uint8Array> | null): Promise<void> {
  try {
    for await (const _ of body ?? []) {
      // discard
    }
  } catch {
    // a failed drain changes nothing
  }
}

/** Retry-After as seconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

