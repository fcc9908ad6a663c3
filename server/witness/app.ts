import { Hono, type Context } from 'hono';
import { clampTimerMs } from '../../shared/timer.ts';
import { STATUS_OF, WitnessError } from './errors.ts';
import { MAX_REQUEST_BYTES } from './request.ts';
import type { Witness } from './witness.ts';

export interface WitnessAppOptions {
  readonly witness: Witness;
  /** The whole body must arrive this long after the headers; default 10 s. */
  readonly bodyTimeoutMs?: number;
  readonly onError?: (err: unknown) => void;
}

/** The c2sp.org/tlog-witness media type of a 409's body: the size last cosigned, in decimal, and a newline. */
export const TLOG_SIZE_MEDIA_TYPE = 'text/x.tlog.size';

/**
 * The witness's HTTP interface: `POST /add-checkpoint` (c2sp.org/tlog-witness).
 * 200 carries the cosignature line; a 409 for a stale old size carries the
 * size last cosigned as `text/x.tlog.size`; every other refusal is
 * `{ error: { code, message } }` with the spec's status.
 */
export function createWitnessApp(options: WitnessAppOptions): Hono {
  const app = new Hono();
  const deadlineMs = Math.max(1, clampTimerMs(options.bodyTimeoutMs ?? 10_000));
  app.post('/add-checkpoint', async (c) => {
    const body = await readBounded(c, MAX_REQUEST_BYTES, deadlineMs);
    const lines = options.witness.addCheckpoint(body);
    return c.body(lines, 200, { 'content-type': 'text/plain; charset=utf-8' });
  });
  app.notFound((c) => c.json({ error: { code: 'WITNESS_NOT_FOUND', message: 'the witness serves POST /add-checkpoint' } }, 404));
  app.onError((err, c) => {
    if (err instanceof WitnessError) {
      if (err.code === 'WITNESS_OLD_SIZE_MISMATCH' && err.latestSize !== undefined) {
        return c.body(`${err.latestSize}\n`, 409, { 'content-type': TLOG_SIZE_MEDIA_TYPE });
      }
      if (err.code === 'WITNESS_BODY_TOO_LARGE' || err.code === 'WITNESS_BODY_TIMEOUT') c.header('connection', 'close');
      return c.json({ error: err.toJSON() }, STATUS_OF[err.code]);
    }
    options.onError?.(err);
    return c.json({ error: { code: 'INTERNAL', message: 'internal error' } }, 500);
  });
  return app;
}

/** The request body, at most `maxBytes` (413) and whole within `deadlineMs` (408). */
async function readBounded(c: Context, maxBytes: number, deadlineMs: number): Promise<Uint8Array> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw new WitnessError('WITNESS_BODY_TOO_LARGE', `a request body is at most ${maxBytes} bytes`);
  const stream = c.req.raw.body;
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WitnessError('WITNESS_BODY_TIMEOUT', `the body did not arrive within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), expired]);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new WitnessError('WITNESS_BODY_TOO_LARGE', `a request body is at most ${maxBytes} bytes`);
      chunks.push(value);
    }
  } catch (err) {
    void reader.cancel().catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}
