import type { Context } from 'hono';
import { ApiError } from './api-error.ts';
import { quote } from '../../shared/quote.ts';

/**
 * The request body as a byte stream that fails with 413 BODY_TOO_LARGE past
 * `maxBytes`, checked against Content-Length up front and counted as it
 * streams (a client may lie or send chunked).
 */
export async function* cappedBody(c: Context, maxBytes: number): AsyncGenerator<Uint8Array> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const body = c.req.raw.body;
  if (body === null) return;
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.byteLength;
    if (seen > maxBytes) throw tooLarge(maxBytes);
    yield chunk;
  }
}

export async function readBytes(c: Context, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of cappedBody(c, maxBytes)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The body parsed as JSON, still `unknown`: the route's guard decides what it is. */
export async function readJson(c: Context, maxBytes: number): Promise<unknown> {
  const bytes = await readBytes(c, maxBytes);
  if (bytes.byteLength === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new ApiError(400, 'BAD_REQUEST', 'the body is not valid JSON', { cause });
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'BODY_TOO_LARGE', `the body exceeds the limit of ${maxBytes} bytes`);
}

/** A JSON object body with only the allowed keys; anything else is a 400. */
export function objectBody(value: unknown, allowed: readonly string[]): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(400, 'BAD_REQUEST', 'the body must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new ApiError(400, 'BAD_REQUEST', `unknown field ${quote(key)}`);
  }
  return Object.fromEntries(Object.entries(value));
}

/** A non-negative integer query or path parameter. */
export function intParam(raw: string | undefined, name: string, options: { min?: number; fallback?: number } = {}): number {
  if (raw === undefined || raw === '') {
    if (options.fallback !== undefined) return options.fallback;
    throw new ApiError(400, 'BAD_REQUEST', `parameter '${name}' is required`);
  }
  if (!/^\d{1,15}$/.test(raw)) throw new ApiError(400, 'BAD_REQUEST', `parameter '${name}' must be a non-negative integer`);
  const value = Number(raw);
  if (value < (options.min ?? 0)) throw new ApiError(400, 'BAD_REQUEST', `parameter '${name}' must be at least ${options.min ?? 0}`);
  return value;
}
