import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { serveTestCentre, type ServedTestCentre } from '../testing/loopback-centre.ts';

const MiB = 1 << 20;

/** Polls /healthz until `until` settles; returns the slowest answer's latency in ms. */
async function slowestHealthz(url: string, until: Promise<unknown>): Promise<{ slowestMs: number; answered: number }> {
  let settled = false;
  void until.finally(() => {
    settled = true;
  });
  let slowestMs = 0;
  let answered = 0;
  do {
    const t0 = performance.now();
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    slowestMs = Math.max(slowestMs, performance.now() - t0);
    answered++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  } while (!settled);
  return { slowestMs, answered };
}

/** Streams `chunks` chunked to POST /v1/indicators; resolves with the answer (the server may stop reading early). */
function upload(served: ServedTestCentre, type: string, chunks: () => Generator<Uint8Array>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: served.port, method: 'POST', path: '/v1/indicators', headers: { authorization: `Bearer ${served.authorityToken}`, 'content-type': type } });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (text: string) => (body += text));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const source = chunks();
    const pump = (): void => {
      for (;;) {
        if (answered || req.destroyed) return;
        const next = source.next();
        if (next.done === true) return void req.end();
        if (!req.write(next.value)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

describe('POST /v1/indicators on a real loopback server', () => {
  let served: ServedTestCentre | undefined;
  afterEach(async () => {
    await served?.stop();
    served = undefined;
  });

  describe('when one NDJSON line of 100 MB is uploaded', () => {
    it('refuses it at the line cap while /healthz keeps answering', async () => {
      served = await serveTestCentre();
      const chunk = Buffer.alloc(MiB, 'a');
      const answer = upload(served, 'application/x-ndjson', function* () {
        yield Buffer.from('{"reference":"');
        for (let i = 0; i < 100; i++) yield chunk;
      });
      const health = await slowestHealthz(served.running.url, answer);
      const { status, body } = await answer;
      expect(status).toBe(400);
      expect(JSON.parse(body)).toMatchObject({ error: { code: 'INGEST_MALFORMED', rows: [{ line: 1, code: 'ROW_MALFORMED' }] } });
      expect(health.answered).toBeGreaterThan(0);
      expect(health.slowestMs).toBeLessThan(1000);
    }, 60_000);
  });

  describe('when 20,000 NDJSON rows are uploaded', () => {
    it('imports them all while /healthz keeps answering', async () => {
      served = await serveTestCentre();
      const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ algorithm: 'pdq', hash: randomBytes(32).toString('hex'), category: 'A1', reference: `r-${i}` }));
      const answer = upload(served, 'application/x-ndjson', function* () {
        for (let i = 0; i < lines.length; i += 1000) yield Buffer.from(`${lines.slice(i, i + 1000).join('\n')}\n`);
      });
      const health = await slowestHealthz(served.running.url, answer);
      const { status, body } = await answer;
      expect(status).toBe(201);
      expect(JSON.parse(body)).toMatchObject({ rows: 20_000, created: 20_000 });
      expect(health.answered).toBeGreaterThan(1);
      expect(health.slowestMs).toBeLessThan(1000);
    }, 120_000);
  });
});
