/**
 * The sidecar's HTTP edge, shared by sync, orders and reports: any
 * fetch-compatible function (undici's, the global one, or a test's), so
 * tests plug in their own at this edge and nowhere else.
 */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

export interface FetchInit {
  method?: string;
  headers: Record<string, string>;
  body?: Uint8Array<ArrayBuffer> | string;
  signal: AbortSignal;
  /** 'manual' where a redirect must not be followed: the 3xx comes back as the answer. */
  redirect?: 'manual';
}

export interface FetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: AsyncIterable<Uint8Array> | null;
}

/** Thrown by readCapped past the cap; the caller maps it to its own code. */
export class BodyTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(`the response exceeds the limit of ${maxBytes} bytes`);
  }
}

/**
 * Reads a response body, refusing more than `maxBytes` (Content-Length
 * checked up front, then counted while streaming: a server may lie or
 * stream forever).
 */
export async function readCapped(res: FetchResponse, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? 'NaN');
  if (declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body ?? []) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new BodyTooLargeError(maxBytes);
    chunks.push(chunk);
  }
  return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : new Uint8Array(Buffer.concat(chunks));
}

/** Reads and discards what is left of a body, so the connection can be reused; never throws. */
export async function drain(res: FetchResponse): Promise<void> {
  try {
    for await (const _ of res.body ?? []) {
      // discarded
    }
  } catch {
    // a failed drain changes nothing
  }
}

/** The `error.code` of a Centre error body (`{"error":{"code","message"}}`), if the body is one. */
export async function errorCodeOf(res: FetchResponse): Promise<string | undefined> {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await readCapped(res, 64 * 1024)));
    const error: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, 'error') : undefined;
    const code: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
    return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

// RFC 9110 5.6.7's three HTTP-date forms (IMF-fixdate, RFC 850, asctime). Date.parse alone
// takes almost anything ("soon 2099", "-5", "1.5") as some date, so a garbled header became a wait.
const HTTP_DATE = [
  /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Z][a-z]{5,8}, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
] as const;

/**
 * Retry-After as milliseconds (delta-seconds or an HTTP date); undefined when
 * absent or unreadable. Not bounded here (any number of seconds is valid
 * HTTP, and may be Infinity): every wait goes through boundedHintMs
 * (backoff.ts), which caps it.
 */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (text.length > 64 || !HTTP_DATE.some((form) => form.test(text))) return undefined;
  // asctime carries no zone but means GMT (Date.parse would take it as local time).
  const at = Date.parse(text.endsWith('GMT') ? text : `${text} GMT`);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Joins a base URL and an absolute API path without doubling the slash. */
export function apiUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}
