import type { Context } from 'hono';
import { ApiError } from './api-error.ts';
import { nestsDeeperThan } from '../../shared/json-nesting.ts';

/**
 * The request body as a byte stream. Its size and deadline are bounded by
 * the one body guard (body-guard.ts, limits in body-limits.ts), which fails
 * the stream with 413 or 408.
 */
export async function* bodyStream(c: Context): AsyncGenerator<Uint8Array> {
  const body = c.req.raw.body;
  if (body === null) return;
  for await (const chunk of body) yield chunk;
}

export async function readBytes(c: Context): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of bodyStream(c)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** No request model nests deeper than this; a detection order, the deepest, nests 3. */
const MAX_JSON_NESTING = 8;

/**
 * The body parsed as JSON, still `unknown`: the route's guard decides what
 * it is. Deep nesting is refused before parsing: JSON.parse spends a
 * quarter of a second on 1 MiB of brackets and cannot be interrupted.
 */
export async function readJson(c: Context): Promise<unknown> {
  const bytes = await readBytes(c);
  if (bytes.byteLength === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new ApiError(400, 'BAD_REQUEST', 'the body is not valid UTF-8', { cause });
  }
  if (nestsDeeperThan(text, MAX_JSON_NESTING)) throw new ApiError(400, 'BAD_REQUEST', `the JSON nests deeper than ${MAX_JSON_NESTING} levels`);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ApiError(400, 'BAD_REQUEST', 'the body is not valid JSON', { cause });
  }
}
