import pino from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKey, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../../shared/crypto/index.ts';
import { signCheckpoint, verifyCheckpoint } from '../../shared/note/index.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { rmSync } from 'node:fs';
import { initWitness, witnessDatabasePath } from './data-folder.ts';
import { serveWitness, type RunningWitness } from './main.ts';
import { MAX_PROOF_LINES, MAX_REQUEST_BYTES } from './request.ts';
import { TestLog } from './testing/test-log.ts';

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly code: string | undefined;
}

async function post(url: string, body: string | Uint8Array): Promise<Answer> {
  const response = await fetch(`${url}/add-checkpoint`, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  let code: string | undefined;
  if (contentType.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(text);
    const error: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'error') : undefined;
    const value: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
    code = typeof value === 'string' ? value : undefined;
  }
  return { status: response.status, contentType, text, code };
}

/** Flips the last byte of the note's last signature: same key name and ID, a signature that fails. */
function tamperSignature(body: string): string {
  const lines = body.split('\n');
  const index = lines.length - 2;
  const line = lines[index] ?? '';
  const space = line.lastIndexOf(' ');
  const bytes = Buffer.from(line.slice(space + 1), 'base64');
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
  lines[index] = `${line.slice(0, space + 1)}${bytes.toString('base64')}`;
  return lines.join('\n');
}

describe('witness add-checkpoint (c2sp.org/tlog-witness)', () => {
  let log: TestLog;
  let running: RunningWitness;
  let witnessKey: ReturnType<typeof initWitness>;

  beforeEach(async () => {
    log = new TestLog();
    const dataDir = dirs.make('witness-');
    witnessKey = initWitness(dataDir, 'witness.example/w1');
    running = await serveWitness({ dataDir, port: 0, logs: new Map([[log.origin, [log.key.verifier]]]), logger: pino({ level: 'silent' }) });
  });
  afterEach(async () => {
    await running.close();
  });

  /** Brings the witness to size 5 of `log`. */
  const cosignFive = async (): Promise<void> => {
    log.append(5);
    expect((await post(running.url, log.request(0))).status).toBe(200);
  };

  describe('when the checkpoint extends what the witness cosigned', () => {
    it('answers 200 with a cosignature/v1 line that verifies over the checkpoint', async () => {
      await cosignFive();
      log.append(3);
      const answer = await post(running.url, log.request(5));
      expect(answer.status).toBe(200);
      expect(answer.text).toMatch(/^— witness\.example\/w1 [A-Za-z0-9+/=]+\n$/);
      expect(witnessKey.signatureType).toBe(SIGNATURE_TYPE_COSIGNATURE_V1);
      const verified = verifyCheckpoint(log.checkpoint() + answer.text, { origin: log.origin, logKey: log.key.verifier, witnesses: [witnessKey], witnessQuorum: 1 });
      expect(verified.checkpoint.size).toBe(8);
      expect(verified.cosignatures[0]?.timestamp).toBeGreaterThan(0);
    });

    it('cosigns the same checkpoint again (same size, same root, empty proof)', async () => {
      await cosignFive();
      expect((await post(running.url, log.request(5))).status).toBe(200);
    });
  });

  describe('when the request breaks a rule', () => {
    const cases: readonly { name: string; status: number; code?: string; body: () => string | Uint8Array }[] = [
      { name: 'an unknown origin', status: 404, code: 'WITNESS_UNKNOWN_ORIGIN', body: () => new TestLog('example.com/other').append(6).request(5) },
      { name: 'a checkpoint signed by another key', status: 403, code: 'WITNESS_BAD_SIGNATURE', body: () => new TestLog(log.origin, generateSigningKey(log.origin)).append(6).request(0) },
      { name: 'a tampered signature by the log key', status: 403, code: 'WITNESS_BAD_SIGNATURE', body: () => tamperSignature(log.append(1).request(5)) },
      { name: 'an old size above the checkpoint size', status: 400, code: 'WITNESS_MALFORMED', body: () => `old 9\n\n${log.checkpoint()}` },
      { name: 'an old size that is not the one cosigned', status: 409, body: () => log.append(2).request(3) },
      { name: 'the same size with another root (a fork)', status: 409, code: 'WITNESS_CONFLICT', body: () => log.fork().append(0).request(5).replace(log.checkpoint(), new TestLog(log.origin, log.key).append(5).checkpoint()) },
      { name: 'a consistency proof that does not verify', status: 422, code: 'WITNESS_BAD_PROOF', body: () => `old 5\n${'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'.repeat(log.append(3).proof(5).length)}\n${log.checkpoint()}` },
      { name: 'a forked history with its own valid proof', status: 422, code: 'WITNESS_BAD_PROOF', body: () => new TestLog(log.origin, log.key).append(9).request(5) },
      { name: 'an old size of 0 after size 5', status: 409, body: () => `old 0\n${Buffer.alloc(32).toString('base64')}\n\n${log.append(1).checkpoint()}` },
      { name: 'no empty line before the checkpoint', status: 400, code: 'WITNESS_MALFORMED', body: () => 'old 5\n' },
      { name: 'an old size with a leading zero', status: 400, code: 'WITNESS_MALFORMED', body: () => `old 05\n\n${log.checkpoint()}` },
      { name: 'a missing old size line', status: 400, code: 'WITNESS_MALFORMED', body: () => `\n${log.checkpoint()}` },
      { name: 'a proof line that is not a 32-byte hash', status: 400, code: 'WITNESS_MALFORMED', body: () => `old 5\nAAAA\n\n${log.checkpoint()}` },
      { name: `more than ${MAX_PROOF_LINES} proof lines`, status: 400, code: 'WITNESS_MALFORMED', body: () => `old 5\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(MAX_PROOF_LINES + 1)}\n${log.checkpoint()}` },
      { name: 'a checkpoint that is not a signed note', status: 400, code: 'WITNESS_MALFORMED', body: () => 'old 5\n\nhello\n' },
      { name: 'a body that is not UTF-8', status: 400, code: 'WITNESS_MALFORMED', body: () => Uint8Array.from([0x6f, 0x6c, 0x64, 0x20, 0xff, 0x0a, 0x0a]) },
      { name: 'a body over the cap', status: 413, code: 'WITNESS_BODY_TOO_LARGE', body: () => `old 5\n\n${'x'.repeat(MAX_REQUEST_BYTES)}` },
    ];

    it.each(cases)('refuses $name with $status', async ({ status, code, body }) => {
      await cosignFive();
      const answer = await post(running.url, body());
      expect(answer.status).toBe(status);
      if (code !== undefined) expect(answer.code).toBe(code);
      // Nothing refused moved the witness: it still stands at 5.
      expect((await post(running.url, `old 0\n\n${log.checkpoint(5)}`)).text).toBe('5\n');
    });

    it('refuses a non-empty proof from size 0 with 422', async () => {
      const answer = await post(running.url, `old 0\n${Buffer.alloc(32).toString('base64')}\n\n${log.append(1).checkpoint()}`);
      expect(answer).toMatchObject({ status: 422, code: 'WITNESS_BAD_PROOF' });
    });

    it('answers a stale old size with 409, text/x.tlog.size and the size it cosigned', async () => {
      await cosignFive();
      log.append(2);
      const answer = await post(running.url, log.request(3));
      expect(answer).toMatchObject({ status: 409, contentType: 'text/x.tlog.size', text: '5\n' });
      // The client retries from the size the witness named.
      expect((await post(running.url, log.request(5))).status).toBe(200);
    });
  });
});

describe('witness add-checkpoint at size 0', () => {
  let running: RunningWitness | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  describe('when a second checkpoint of size 0 states another root', () => {
    it('refuses it with 409 WITNESS_CONFLICT: two roots for one size are a fork, even the empty tree', async () => {
      const log = new TestLog();
      const dataDir = dirs.make('witness-');
      initWitness(dataDir, 'witness.example/w1');
      running = await serveWitness({ dataDir, port: 0, logs: new Map([[log.origin, [log.key.verifier]]]), logger: pino({ level: 'silent' }) });
      const empty = (rootHash: Uint8Array): string => `old 0\n\n${signCheckpoint({ origin: log.origin, size: 0, rootHash, extensions: [] }, log.key)}`;
      expect((await post(running.url, empty(log.rootHash(0)))).status).toBe(200);
      const forked = await post(running.url, empty(new Uint8Array(32).fill(7)));
      expect(forked).toMatchObject({ status: 409, code: 'WITNESS_CONFLICT' });
    });
  });
});

describe('witness serve', () => {
  describe('when the state database of an initialised witness is gone', () => {
    it('refuses to start with WITNESS_CONFIG_INVALID, rather than cosign afresh from size 0 under the same key', async () => {
      const log = new TestLog().append(5);
      const dataDir = dirs.make('witness-');
      initWitness(dataDir, 'witness.example/w1');
      const logs = new Map([[log.origin, [log.key.verifier]]]);
      const first = await serveWitness({ dataDir, port: 0, logs, logger: pino({ level: 'silent' }) });
      try {
        expect((await post(first.url, log.request(0))).status).toBe(200);
      } finally {
        await first.close();
      }
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${witnessDatabasePath(dataDir)}${suffix}`, { force: true });
      await expect(serveWitness({ dataDir, port: 0, logs, logger: pino({ level: 'silent' }) })).rejects.toMatchObject({ code: 'WITNESS_CONFIG_INVALID' });
    });
  });
});
