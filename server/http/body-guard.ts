import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from './api-error.ts';
import { clampTimerMs } from '../../shared/timer.ts';

export interface BodyGuardOptions {
  /** The byte cap of this request's body: the one table of caps is the caller's. */
  readonly limitFor: (c: Context) => number;
  /** The whole body must have arrived this long after the headers. */
  readonly deadlineMs: number;
}

/**
 * The one middleware that bounds every request body in bytes and time:
 * 413 BODY_TOO_LARGE past the cap (checked against Content-Length up front,
 * then counted as it streams, for a client may lie or send chunked), and
 * 408 BODY_TIMEOUT when the body has not arrived whole by the deadline (a
 * client trickling it would otherwise hold a request open for ever). A
 * request whose method has no body stream here (GET, HEAD) may not carry one.
 *
 * Why not hono/body-limit: in Hono 4.13 it reads a chunked body whole into
 * memory inside the middleware, before any route's authentication has run,
 * which would let an anonymous client make the Centre buffer an upload's
 * 256 MiB cap per request. This one is lazy: nothing is read until the
 * route reads, after its guard, and a streaming parser holds one chunk.
 */
export function bodyGuard(options: BodyGuardOptions): MiddlewareHandler {
  const deadlineMs = Math.max(1, clampTimerMs(options.deadlineMs));
  return async (c, next) => {
    const source = c.req.raw.body;
    const declared = Number(c.req.header('content-length') ?? '0');
    if (source === null) {
      // A GET or HEAD gets no body stream from @hono/node-server, yet Node reads and discards whatever
      // body it carries, for as long as the client sends it: none is allowed, and the connection closes.
      if (declared > 0 || c.req.header('transfer-encoding') !== undefined) {
        c.header('connection', 'close');
        throw new ApiError(413, 'BODY_TOO_LARGE', 'a GET or HEAD request carries no body');
      }
      return next();
    }
    const maxBytes = options.limitFor(c);
    if (declared > maxBytes) {
      c.header('connection', 'close');
      throw tooLarge(maxBytes);
    }
    const guarded = guardStream(source, maxBytes, deadlineMs);
    c.req.raw = new Request(c.req.raw, { body: guarded.stream, duplex: 'half' });
    try {
      await next();
    } finally {
      guarded.stop();
    }
    // The rest of the body is not wanted: close the connection rather than drain it.
    if (guarded.failed()) c.res.headers.set('connection', 'close');
  };
}

interface GuardedStream {
  readonly stream: ReadableStream<Uint8Array>;
  stop(): void;
  failed(): boolean;
}

function guardStream(source: ReadableStream<Uint8Array>, maxBytes: number, deadlineMs: number): GuardedStream {
  const reader = source.getReader();
  let seen = 0;
  let failure: ApiError | undefined;
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const fail = (err: ApiError): void => {
    if (failure !== undefined) return;
    failure = err;
    clearTimeout(timer);
    controller?.error(err);
    // The source is left alone, not cancelled: that would destroy the socket before the answer is sent.
  };
  const timer = setTimeout(() => fail(new ApiError(408, 'BODY_TIMEOUT', `the body did not arrive within ${Math.ceil(deadlineMs / 1000)} s`)), deadlineMs);
  timer.unref();
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    async pull(c) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        if (failure === undefined) {
          clearTimeout(timer);
          failure = new ApiError(400, 'BAD_REQUEST', 'the body was cut off', { cause });
          c.error(failure);
        }
        return;
      }
      if (failure !== undefined) return;
      if (chunk.done) {
        clearTimeout(timer);
        c.close();
        return;
      }
      seen += chunk.value.byteLength;
      if (seen > maxBytes) return fail(tooLarge(maxBytes));
      c.enqueue(chunk.value);
    },
    // A route that stops reading early (a refused line, too many rows) cancels: the source is left
    // alone, as on failure, so that the answer still goes out; the server drains or closes after it.
    cancel() {
      clearTimeout(timer);
    },
  });
  return { stream, stop: () => clearTimeout(timer), failed: () => failure !== undefined };
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'BODY_TOO_LARGE', `the body exceeds the limit of ${maxBytes} bytes`);
}
