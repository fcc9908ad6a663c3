import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { databasePath } from '../centre.ts';
import type { CentreConfig } from '../config.ts';
import { MAX_LINE_BYTES } from '../ingest/lines.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const hex = (n: number): string => randomBytes(n).toString('hex');
const row = (i: number): string => JSON.stringify({ algorithm: 'pdq', hash: hex(32), category: 'A1', reference: `r-${i}` });
const jsonOf = async (res: Response): Promise<Record<string, unknown>> => Object(await res.json());
const errorOf = async (res: Response): Promise<Record<string, unknown>> => Object((await jsonOf(res)).error);

/** A body with no Content-Length, as a client streaming chunked sends it: `times` chunks, each made by `chunk`. */
function chunked(chunk: () => Uint8Array, times: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ < times) controller.enqueue(chunk());
      else controller.close();
    },
  });
}

describe('POST /v1/indicators', () => {
  let t: TestCentre | undefined;
  const start = (overrides: Partial<CentreConfig> = {}): TestCentre => {
    t = createTestCentre(overrides);
    return t;
  };
  const upload = async (c: TestCentre, body: string | ReadableStream<Uint8Array>, type: string): Promise<Response> => {
    const headers = new Headers({ authorization: `Bearer ${c.tokens.authority}`, 'content-type': type });
    if (typeof body === 'string') headers.set('content-length', String(Buffer.byteLength(body)));
    return c.app.request('/v1/indicators', { method: 'POST', headers, body, duplex: 'half' });
  };
  afterEach(() => {
    t?.centre.close();
    if (t !== undefined) rmSync(t.dataDir, { recursive: true, force: true });
    t = undefined;
  });

  describe('when a body is over its cap', () => {
    it('answers 413 BODY_TOO_LARGE for a streamed NDJSON upload, not INGEST_MALFORMED', async () => {
      const c = start({ maxIndicatorBodyBytes: 1 << 20 });
      // Every row distinct: a hundred duplicates would refuse the upload (422) before the cap is reached.
      const lines = (): Uint8Array => Buffer.from(`${Array.from({ length: 100 }, (_, i) => row(i)).join('\n')}\n`);
      const res = await upload(c, chunked(lines, Math.ceil((2 << 20) / lines().length)), 'application/x-ndjson');
      expect(res.status).toBe(413);
      expect(await errorOf(res)).toMatchObject({ code: 'BODY_TOO_LARGE' });
    });

    it('answers 413 for a JSON upload past the JSON cap, declared or streamed', async () => {
      const c = start();
      const rows = `[${Array.from({ length: 9000 }, (_, i) => row(i)).join(',')}]`;
      expect(rows.length).toBeGreaterThan(c.centre.config.maxJsonBodyBytes);
      const declared = await upload(c, rows, 'application/json');
      expect([declared.status, (await errorOf(declared)).code]).toEqual([413, 'BODY_TOO_LARGE']);
      const streamed = await upload(c, chunked(() => Buffer.from(rows), 1), 'application/json');
      expect([streamed.status, (await errorOf(streamed)).code]).toEqual([413, 'BODY_TOO_LARGE']);
    });
  });

  describe('when a JSON upload nests brackets deeply', () => {
    it('refuses it with INGEST_MALFORMED before parsing it', async () => {
      const c = start();
      const half = (c.centre.config.maxJsonBodyBytes >> 1) - 1;
      const res = await upload(c, '['.repeat(half) + ']'.repeat(half), 'application/json');
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'INGEST_MALFORMED', message: 'the JSON nests deeper than an array of rows whose frames are a frame list' });
    });
  });

  describe('when the JSON body of another route nests brackets deeply', () => {
    it('refuses it with BAD_REQUEST before parsing it', async () => {
      const c = start();
      const half = (c.centre.config.maxJsonBodyBytes >> 1) - 1;
      const body = '['.repeat(half) + ']'.repeat(half);
      const headers = { authorization: `Bearer ${c.tokens.authority}`, 'content-type': 'application/json' };
      const res = await c.app.request('/v1/indicators/1/revoke', { method: 'POST', headers, body });
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toEqual({ code: 'BAD_REQUEST', message: 'the JSON nests deeper than 8 levels' });
    });
  });

  describe('when a line is longer than any row', () => {
    it.each([
      ['application/x-ndjson', `${row(1)}\n{"reference":"${'x'.repeat(MAX_LINE_BYTES)}"}\n${row(3)}\n`],
      ['text/csv', `algorithm,hash,category,reference\npdq,${hex(32)},A1,${'x'.repeat(MAX_LINE_BYTES)}\npdq,${hex(32)},A1,ok\n`],
    ])('refuses the %s upload at that line with INGEST_MALFORMED', async (type, body) => {
      const c = start();
      const res = await upload(c, body, type);
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'INGEST_MALFORMED', rows: [{ line: 2, code: 'ROW_MALFORMED' }] });
    });
  });

  describe('when a CSV upload quotes fields', () => {
    it('accepts RFC 4180 quoting and names the lines that break it', async () => {
      const c = start();
      const good = await upload(c, `algorithm,hash,category,reference\r\n"pdq","${hex(32)}",A1,"case ""7"""\r\n\r\npdq,${hex(32)},A1, spaced \r\n`, 'text/csv');
      expect([good.status, await jsonOf(good)]).toEqual([201, expect.objectContaining({ rows: 2, created: 2 })]);
      const bad = await upload(c, `pdq,${hex(32)},A1,ok\npdq,"${hex(32)}"x,A1,broken\npdq,${hex(32)},A1\n`, 'text/csv');
      expect(bad.status).toBe(422);
      expect(Array(Object(await errorOf(bad)).rows).flat().map((r: unknown) => [Reflect.get(Object(r), 'line'), Reflect.get(Object(r), 'code')])).toEqual([
        [2, 'ROW_MALFORMED'],
        [3, 'ROW_MALFORMED'],
      ]);
    });
  });

  describe('when a large NDJSON upload is imported', () => {
    it('commits it in slices that another connection sees arrive, letting the event loop run in between', async () => {
      const c = start();
      const n = 30_000;
      const body = Array.from({ length: n }, (_, i) => row(i)).join('\n');
      const reader = new Database(databasePath(c.dataDir), { readonly: true });
      try {
        const count = reader.prepare<[], { n: number }>('SELECT count(*) AS n FROM indicators');
        let finished = false;
        const response = upload(c, body, 'application/x-ndjson').finally(() => {
          finished = true;
        });
        const seen = new Set<number>();
        while (!finished) {
          seen.add(count.get()?.n ?? -1);
          await setImmediate();
        }
        expect(await jsonOf(await response)).toMatchObject({ rows: n, created: n });
        expect([...seen].some((k) => k > 0 && k < n)).toBe(true);
      } finally {
        reader.close();
      }
    });
  });
});

describe('an indicator preview', () => {
  let t: TestCentre | undefined;
  afterEach(() => {
    t?.close();
    t = undefined;
  });
  const submit = (c: TestCentre, preview: unknown): Promise<Response> =>
    c.request('POST', '/v1/indicators', c.tokens.authority, JSON.stringify([{ algorithm: 'pdq', hash: hex(32), category: 'A1', reference: 'r-1', preview }]), 'application/json');

  describe('when the authority attaches a valid blurhash', () => {
    it('accepts the row and keeps the preview on its confirmation', async () => {
      t = createTestCentre();
      const res = await submit(t, 'LEHV6nWB2yk8pyo0adR*.7kCMdnj');
      expect(res.status).toBe(201);
      expect(t.centre.db.prepare('SELECT preview FROM confirmations').all()).toEqual([{ preview: 'LEHV6nWB2yk8pyo0adR*.7kCMdnj' }]);
    });
  });

  describe('when the preview is not one a report could carry', () => {
    it.each([
      ['too many components (5x1)', '40123456789ABC'],
      ['not base 83', 'LEHV6nWB2yk8pyo0adR*.7kCMdn"'],
      ['the wrong length', 'LEHV6nWB2yk8pyo0adR*.7kCMdn'],
      ['not a string', 42],
    ])('refuses the batch for %s with ROW_BAD_PREVIEW', async (_name, preview) => {
      t = createTestCentre();
      const res = await submit(t, preview);
      expect(res.status).toBe(422);
      expect(await jsonOf(res)).toMatchObject({ error: { code: 'INGEST_INVALID_ROWS', rows: [{ line: 1, code: 'ROW_BAD_PREVIEW' }] } });
    });
  });
});
