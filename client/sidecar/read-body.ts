import { IncomingMessage } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseChunked } from '@discoveryjs/json-ext';
import { CodedError } from '../../shared/errors.ts';
import { JsonNestingGuard } from '../../shared/json-nesting.ts';
import { clampTimerMs } from '../../shared/timer.ts';
import { JsonDuplicateKeyGuard } from './json-keys.ts';

export type RequestBodyCode = 'BODY_TOO_LARGE' | 'BODY_TIMEOUT';

/** A request body refused while reading it. */
export class RequestBodyError extends CodedError<RequestBodyCode> {
  readonly status: 413 | 408;

  constructor(code: RequestBodyCode, message: string) {
    super(code, message);
    this.status = code === 'BODY_TOO_LARGE' ? 413 : 408;
  }
}

/** 30 s: the local API is reached over a provider's own network, where a 50 MB upload takes seconds. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

/**
 * Chunks already buffered are read without returning to the event loop, so
 * the reader gives other requests a turn after this many bytes: parsing
 * 256 KiB of JSON takes about a millisecond.
 */
const TURN_EVERY_BYTES = 256 * 1024;

/** The local API's deepest body is `{items:[{hashes:[{...}]}]}` (5); deeper is refused before parsing. */
const MAX_JSON_DEPTH = 8;

/**
 * Where a body is read from: the Node request itself when the app is served
 * by @hono/node-server (its `incoming` binding), or the Request's web stream
 * (app.request() in tests). The Node stream is read directly because the
 * adapter's web stream cost about 2 ms of CPU for each 300 KB body on Node 20,
 * more than a third of a photo's scan (docs/RELIABILITY.md, "Sidecar
 * throughput").
 */
export type BodySource = Request | IncomingMessage;

/** The Node request behind a Hono context's `env` when there is one, else the Request. */
export function bodySourceOf(env: unknown, request: Request): BodySource {
  const incoming: unknown = typeof env === 'object' && env !== null ? Reflect.get(env, 'incoming') : undefined;
  return incoming instanceof IncomingMessage ? incoming : request;
}

export interface BodyLimits {
  readonly maxBytes: number;
  /** From the start of reading to the last byte. */
  readonly timeoutMs: number;
}

/**
 * Reads a request body whole, bounded in bytes and time: a declared
 * Content-Length over the cap is refused before a byte is read, a body that
 * grows past it as soon as it does, and one still arriving at the deadline
 * (a client trickling it, slow-loris) with BODY_TIMEOUT. After either
 * refusal the rest of the body is left unread: the answer then closes the
 * connection (see CLOSE_AFTER).
 */
export async function readBoundedBody(request: BodySource | PeekedBody, limits: BodyLimits): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of boundedChunks(request, limits)) {
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/**
 * Reads and parses a JSON body within the same bounds as readBoundedBody,
 * chunk by chunk as it arrives, so that no single step holds the event loop
 * for longer than parsing one chunk (JSON.parse of a whole 16 MiB body took
 * 300 ms: docs/SIDECAR.md). Nesting and repeated member names are checked
 * before the parser sees a chunk (JsonNestingGuard, JsonDuplicateKeyGuard).
 * Throws RequestBodyError, JsonDuplicateKeyError, JsonPrototypeKeyError, or SyntaxError for
 * malformed JSON.
 */
export function readBoundedJson(request: BodySource, limits: BodyLimits): Promise<unknown> {
  return parseChunked(nestingChecked(boundedChunks(request, limits)));
}

async function* nestingChecked(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const guard = new JsonNestingGuard(MAX_JSON_DEPTH);
  const keys = new JsonDuplicateKeyGuard();
  for await (const chunk of chunks) {
    guard.push(chunk);
    keys.push(chunk);
    yield chunk;
  }
  guard.end();
}

/**
 * A body whose first bytes were read to tell what it is (a video or an
 * image: video-sniff.ts) before it is decided where the rest goes; its
 * chunks are the head again, then the rest as it arrives.
 */
export interface PeekedBody {
  /** At least the bytes asked for, unless the body is shorter. */
  readonly head: Uint8Array;
  /** The Content-Length the client declared, if any. */
  readonly declared: string | null;
  chunks(): AsyncIterator<Uint8Array>;
}

/**
 * Reads the first `bytes` of a body (a chunk or two: the rest stays unread
 * in the socket), within `timeoutMs`; BODY_TIMEOUT when they do not arrive.
 */
export async function peekBody(source: BodySource, bytes: number, timeoutMs: number): Promise<PeekedBody> {
  const declared = declaredLength(source);
  const rest = chunksOf(source);
  const read: Uint8Array[] = [];
  let total = 0;
  let ended = rest === null;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    const ms = clampTimerMs(timeoutMs);
    timer = setTimeout(() => reject(new RequestBodyError('BODY_TIMEOUT', `the body did not arrive within ${ms} ms`)), ms);
  });
  try {
    while (rest !== null && total < bytes) {
      const { done, value } = await Promise.race([rest.next(), deadline]);
      if (done === true) {
        ended = true;
        break;
      }
      read.push(value);
      total += value.byteLength;
    }
  } finally {
    clearTimeout(timer);
  }
  const head = Buffer.concat(read);
  return {
    head,
    declared,
    chunks: () => {
      let headGiven = head.byteLength === 0;
      return {
        next: async (): Promise<IteratorResult<Uint8Array>> => {
          if (!headGiven) {
            headGiven = true;
            return { done: false, value: head };
          }
          if (ended || rest === null) return { done: true, value: undefined };
          const next = await rest.next();
          return next.done === true ? { done: true, value: undefined } : next;
        },
      };
    },
  };
}

/** The peeked body as a stream for a consumer with its own bounds (the video spool: its byte cap, its deadline, its abort). */
export function peekedStream(body: PeekedBody): AsyncIterable<Uint8Array> {
  return { [Symbol.asyncIterator]: () => body.chunks() };
}

function isPeeked(source: BodySource | PeekedBody): source is PeekedBody {
  return !(source instanceof IncomingMessage) && !(source instanceof Request);
}

/** The body's chunks, capped in bytes and time, with a turn of the event loop every TURN_EVERY_BYTES. */
async function* boundedChunks(source: BodySource | PeekedBody, limits: BodyLimits): AsyncGenerator<Uint8Array> {
  const { maxBytes } = limits;
  if (Number((isPeeked(source) ? source.declared : declaredLength(source)) ?? '0') > maxBytes) throw tooLarge(maxBytes);
  const chunks = isPeeked(source) ? source.chunks() : chunksOf(source);
  if (chunks === null) return;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    const ms = clampTimerMs(limits.timeoutMs);
    timer = setTimeout(() => reject(new RequestBodyError('BODY_TIMEOUT', `the body did not arrive within ${ms} ms`)), ms);
  });
  let total = 0;
  let sinceTurn = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([chunks.next(), deadline]);
      if (done === true) return;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes);
      yield value;
      sinceTurn += value.byteLength;
      if (sinceTurn >= TURN_EVERY_BYTES) {
        sinceTurn = 0;
        await nextTurn();
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

function declaredLength(source: BodySource): string | null {
  if (source instanceof IncomingMessage) return source.headers['content-length'] ?? null;
  return source.headers.get('content-length');
}

/**
 * The chunks as they arrive, or null for no body. A refusal leaves the rest
 * unread, never destroyed: the answer must still reach the client, and then
 * closes the connection (CLOSE_AFTER).
 */
function chunksOf(source: BodySource): AsyncIterator<Uint8Array, unknown> | null {
  if (source instanceof IncomingMessage) return source.iterator({ destroyOnReturn: false });
  if (source.body === null) return null;
  const reader = source.body.getReader();
  return { next: () => reader.read() };
}

/**
 * Headers for the answer to a refused body: its unread rest may still be
 * arriving, so the server closes the connection after answering instead of
 * draining it for the client (which a trickling client would make last).
 */
export const CLOSE_AFTER: Readonly<Record<string, string>> = { connection: 'close' };

function tooLarge(maxBytes: number): RequestBodyError {
  return new RequestBodyError('BODY_TOO_LARGE', `the body exceeds the limit of ${maxBytes} bytes`);
}
