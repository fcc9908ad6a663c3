import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateImage } from '../fixtures/index.ts';
import { listenLocal } from '../client/sidecar/listen.ts';
import { createSidecar, type Sidecar } from '../client/sidecar/sidecar.ts';
import { craftedPng } from '../client/sidecar/testing/crafted-png.ts';
import { startLoopbackCentre, type LoopbackCentre } from './testing/loopback-centre.ts';
import { sidecarConfigFor, TEST_LOCAL_TOKEN as LOCAL_TOKEN } from './testing/sidecar-config.ts';

const SCAN = '/v1/scan?surface=uploads&subject=user:alice';
/** Room for one 2000x2000 image at a time. */
const BUDGET_PIXELS = 5_000_000;
const MAX_BATCH_BYTES = 1_000_000;
const BODY_TIMEOUT_MS = 400;

interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The server closed the connection. */
  readonly closed: boolean;
}

/**
 * Writes `head` on a raw socket, then each of `trickle` with `everyMs`
 * between them, and reads the answer until the server closes or `giveUpMs`
 * passes (then the socket is destroyed and `closed` is false).
 */
function rawRequest(address: string, head: string, options: { trickle?: readonly string[]; everyMs?: number; giveUpMs?: number } = {}): Promise<RawResponse> {
  const { port, hostname } = new URL(address);
  const { trickle = [], everyMs = 100, giveUpMs = 10_000 } = options;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    const timers: NodeJS.Timeout[] = [];
    const finish = (closed: boolean): void => {
      for (const t of timers) clearTimeout(t);
      socket.destroy();
      const text = Buffer.concat(received).toString('utf8');
      const [headText = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = headText.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body, closed });
    };
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? finish(true) : reject(err)));
    socket.write(head);
    trickle.forEach((piece, i) => timers.push(setTimeout(() => socket.writable && socket.write(piece), (i + 1) * everyMs)));
    timers.push(setTimeout(() => finish(false), giveUpMs));
  });
}

const head = (path: string, headers: Record<string, string>): string =>
  `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${LOCAL_TOKEN}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

describe('the sidecar under load and abuse, on a loopback port', () => {
  let centre: LoopbackCentre;
  let sidecar: Sidecar;
  let local: { address: string; close(): Promise<void> };
  let dataDir: string;
  /** 2000x2000: 4 megapixels, most of the budget. */
  let large: Buffer;

  const scan = async (bytes: Uint8Array, path = SCAN): Promise<{ status: number; retryAfter: string | null; json: Record<string, unknown> }> => {
    const res = await fetch(`${local.address}${path}`, { method: 'POST', headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'image/png' }, body: bytes });
    const json: unknown = await res.json();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), json: typeof json === 'object' && json !== null ? Object.fromEntries(Object.entries(json)) : {} };
  };

  beforeAll(async () => {
    centre = await startLoopbackCentre();
    large = await sharp(await generateImage({ family: 'scenes', seed: 7, width: 500, height: 500, format: 'png' })).resize(2000, 2000, { kernel: 'nearest' }).png().toBuffer();
    await centre.publish([{ algorithm: 'md5', hash: 'ffeeddccbbaa99887766554433221100' }]);
    const now = Date.now();
    const res = await fetch(`${centre.url}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${centre.tokens.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        orderId: 'LIMITS-1',
        issuingAuthority: 'DE-BKA',
        legalReference: 'Test order',
        provider: 'example-host',
        surfaces: ['uploads'],
        targets: { users: ['alice'], groups: [], channels: [] },
        notBefore: now - 1000,
        notAfter: now + 3_600_000,
      }),
    });
    expect(res.status).toBe(201);
    dataDir = mkdtempSync(join(tmpdir(), 'hf-limits-'));
    const config = sidecarConfigFor(centre, dataDir, {
      listen: '127.0.0.1:0',
      maxImageBytes: 4_000_000,
      decodeBudgetPixels: BUDGET_PIXELS,
      decodeQueueLength: 0,
      bodyQueueLength: 0,
      maxBatchBytes: MAX_BATCH_BYTES,
      maxBatchItems: 4,
      bodyTimeoutMs: BODY_TIMEOUT_MS,
    });
    sidecar = await createSidecar({ config, logger: pino({ level: 'silent' }) });
    local = await listenLocal(sidecar.app, config.listen);
    await sidecar.syncOnce();
  });

  afterAll(async () => {
    await local?.close();
    await sidecar?.stop();
    await centre?.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    if (centre !== undefined) rmSync(centre.dataDir, { recursive: true, force: true });
  });

  describe('when the decode budget is taken', () => {
    it('answers a scan 503 OVERLOADED with Retry-After, and scans it once the pixels are back', async () => {
      const release = await sidecar.decodeBudget.acquire(BUDGET_PIXELS - 1_000_000);
      try {
        const refused = await scan(large);
        expect(refused).toMatchObject({ status: 503, json: { error: { code: 'OVERLOADED' } } });
        expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      } finally {
        release();
      }
      expect(await scan(large)).toMatchObject({ status: 200, json: { matches: [] } });
    });

    it('answers that batch item OVERLOADED and the others as usual', async () => {
      const small = await generateImage({ family: 'scenes', seed: 8, width: 64, height: 64, format: 'png' });
      const release = await sidecar.decodeBudget.acquire(BUDGET_PIXELS - 1_000_000);
      let answer: Response;
      try {
        const item = (bytes: Buffer): Record<string, string> => ({ surface: 'uploads', subject: 'user:alice', image: bytes.toString('base64') });
        answer = await fetch(`${local.address}/v1/scan/batch`, {
          method: 'POST',
          headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ items: [item(small), item(await sharp({ create: { width: 1200, height: 1200, channels: 3, background: '#408040' } }).png().toBuffer())] }),
        });
      } finally {
        release();
      }
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ results: [{ matches: [] }, { error: { code: 'OVERLOADED' } }] });
    });
  });

  describe('when a large picture in a format decoded at full size is scanned', () => {
    it('hashes it in a worker thread, not on the event loop', async () => {
      let sawWorkerBusy = false;
      let scanning = true;
      const answer = scan(large).finally(() => (scanning = false));
      while (scanning && !sawWorkerBusy) {
        const metrics = await (await fetch(`${local.address}/metrics`, { headers: { authorization: `Bearer ${LOCAL_TOKEN}` } })).text();
        sawWorkerBusy = /^hashfeed_scan_workers_busy 1$/m.test(metrics);
      }
      expect(await answer).toMatchObject({ status: 200, json: { matches: [] } });
      expect(sawWorkerBusy).toBe(true);
    });
  });

  describe('when the room for request bodies is taken', () => {
    it('answers 503 OVERLOADED with Retry-After before reading the body, closes the connection, and scans once there is room', async () => {
      const release = await sidecar.bodyBudget.acquire(sidecar.bodyBudget.capacity - 1_000);
      try {
        // The body never comes: the answer must not wait for it.
        const refused = await rawRequest(local.address, head(SCAN, { 'content-type': 'image/png', 'content-length': '5000' }), { giveUpMs: 5_000 });
        expect(refused).toMatchObject({ status: 503, closed: true });
        expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'OVERLOADED' } });
        expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(refused.headers.connection).toBe('close');
      } finally {
        release();
      }
      expect(await scan(large)).toMatchObject({ status: 200, json: { matches: [] } });
      expect(sidecar.bodyBudget.inUse).toBe(0);
    });

    it('lets a client that sends its whole body anyway read the 503 (the body is discarded, not held)', async () => {
      const release = await sidecar.bodyBudget.acquire(sidecar.bodyBudget.capacity - 1_000);
      try {
        // More than the socket buffers hold: a connection closed unread would reset before the client reads the answer.
        const refused = await scan(new Uint8Array(48_000_000).fill(7));
        expect(refused).toMatchObject({ status: 503, json: { error: { code: 'OVERLOADED' } } });
        expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      } finally {
        release();
      }
      expect(sidecar.bodyBudget.inUse).toBe(0);
    });

    it('holds a body of unknown length as the largest it may be', async () => {
      const release = await sidecar.bodyBudget.acquire(sidecar.bodyBudget.capacity - sidecar.config.maxImageBytes + 1);
      try {
        const refused = await rawRequest(local.address, head(SCAN, { 'content-type': 'image/png', 'transfer-encoding': 'chunked' }), { giveUpMs: 5_000 });
        expect(refused).toMatchObject({ status: 503, closed: true });
      } finally {
        release();
      }
    });
  });

  describe('when many large images arrive at once', () => {
    it('decodes what the budget allows, answers the rest 503 with Retry-After, and ends with the budget free', async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => scan(large)));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toContain(200);
      expect(statuses).toContain(503);
      expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
      for (const a of answers.filter((x) => x.status === 503)) {
        expect(a.json).toMatchObject({ error: { code: 'OVERLOADED' } });
        expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      }
      expect(sidecar.decodeBudget.inUse).toBe(0);
    });
  });

  describe('when a decode fails', () => {
    it('gives its pixels back', async () => {
      // A real header for 2000x2000, then garbage where the pixel data should be: matched on its exact hashes, and as far as it decodes.
      const answer = await scan(craftedPng(2000, 2000, 'garbage'));
      expect(answer.status).toBe(200);
      expect(answer.json).toSatisfy((json: unknown) => typeof json === 'object' && json !== null && (Reflect.get(json, 'partial') === true || Reflect.get(json, 'perceptualSkipped') !== undefined));
      expect(sidecar.decodeBudget.inUse).toBe(0);
      expect((await scan(large)).status).toBe(200);
    });
  });

  describe('when one image needs more than the whole budget', () => {
    it('refuses it 413 IMAGE_OVER_BUDGET, not 503 for ever', async () => {
      const huge = await sharp({ create: { width: 2500, height: 2500, channels: 3, background: '#808080' } }).png().toBuffer();
      expect(await scan(huge)).toMatchObject({ status: 413, retryAfter: null, json: { error: { code: 'IMAGE_OVER_BUDGET' } } });
      expect(sidecar.decodeBudget.inUse).toBe(0);
    });
  });

  describe('when a batch is over the byte cap', () => {
    it('refuses it 413 BODY_TOO_LARGE from its declared length, before the body arrives', async () => {
      const answer = await rawRequest(local.address, head('/v1/scan/batch', { 'content-type': 'application/json', 'content-length': String(MAX_BATCH_BYTES + 1) }));
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    });

    it('refuses a chunked one 413 BODY_TOO_LARGE once past the cap', async () => {
      const res = await fetch(`${local.address}/v1/scan/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            for (let sent = 0; sent <= MAX_BATCH_BYTES; sent += 100_000) controller.enqueue(new Uint8Array(100_000).fill(0x20));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    });

    it('refuses deeply nested JSON 400 BAD_REQUEST without parsing it', async () => {
      const res = await fetch(`${local.address}/v1/scan/batch`, { method: 'POST', headers: { authorization: `Bearer ${LOCAL_TOKEN}` }, body: `{"items":${'['.repeat(900_000)}` });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    });

    it('refuses more items than the item cap', async () => {
      const items = Array.from({ length: 5 }, () => ({ surface: 'uploads', subject: 'user:alice', image: 'AAAA' }));
      const res = await fetch(`${local.address}/v1/scan/batch`, { method: 'POST', headers: { authorization: `Bearer ${LOCAL_TOKEN}` }, body: JSON.stringify({ items }) });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    });
  });

  describe('when a body trickles in', () => {
    it('cuts it off with 408 BODY_TIMEOUT and closes the connection', async () => {
      const answer = await rawRequest(local.address, head(SCAN, { 'content-type': 'image/png', 'content-length': '1000' }), {
        trickle: Array.from({ length: 40 }, () => 'x'),
        everyMs: 100,
        giveUpMs: 8_000,
      });
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'BODY_TIMEOUT' } });
      expect(answer.closed).toBe(true);
    });

    it('cuts off a trickled batch too', async () => {
      const answer = await rawRequest(local.address, head('/v1/scan/batch', { 'content-type': 'application/json', 'content-length': '1000' }), {
        trickle: ['{"items":', ...Array.from({ length: 40 }, () => ' ')],
        everyMs: 100,
        giveUpMs: 8_000,
      });
      expect(answer).toMatchObject({ status: 408, closed: true });
    });
  });
});
