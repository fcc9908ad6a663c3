import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseVerifierKey, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../../shared/crypto/index.ts';
import type { SigningKey } from '../../shared/crypto/index.ts';
import { verifyCheckpoint } from '../../shared/note/index.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { KEY_PURPOSES } from '../../shared/trust/index.ts';
import { createApp } from '../app.ts';
import { openCentre, writeCentreConfig, type Centre } from '../centre.ts';
import { exportFeed } from '../export.ts';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { initWitness, serveWitness, type RunningWitness } from '../witness/index.ts';
import { WitnessSubmitter } from './witness-submitter.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { generateSigningKey } from '../../shared/crypto/index.ts';
import { cosignCheckpoint, createNoteSignature, formatSignatureLine } from '../../shared/note/index.ts';

const silent = pino({ level: 'silent' });
const dirs = tempDirs();

interface Setup {
  readonly t: TestCentre;
  /** A second Centre on the same folder, opened after its centre.json lists the witnesses. */
  readonly centre: Centre;
  readonly submitter: WitnessSubmitter;
  readonly witnesses: readonly RunningWitness[];
}

let setup: Setup | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

/** A hand-written witness (`app`) on a loopback port, closed after the test; its URL. */
async function serveOnLoopback(app: Hono): Promise<string> {
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  setup = undefined;
  dirs.removeAll();
});

/** A Centre whose config lists `reachable` running witnesses, then `unreachable` ones at a closed port. */
async function withWitnesses(reachable: number, unreachable = 0): Promise<Setup> {
  const t = createTestCentre({ accessPolicy: 'account' });
  cleanups.push(() => t.close());
  const logKey = t.centre.keyring.signerFor(KEY_PURPOSES.checkpoint, t.clock.now).verifier;
  const running: RunningWitness[] = [];
  const entries: { url: string; vkey: string }[] = [];
  for (let i = 0; i < reachable + unreachable; i++) {
    const dataDir = dirs.make('centre-witness-');
    const vkey = initWitness(dataDir, `witness.example/w${i}`);
    const witness = await serveWitness({ dataDir, port: 0, logs: new Map([[t.centre.log.origin, [logKey]]]), logger: silent });
    if (i < reachable) {
      running.push(witness);
      cleanups.push(() => witness.close());
      entries.push({ url: witness.url, vkey: vkey.text });
    } else {
      await witness.close();
      entries.push({ url: witness.url, vkey: vkey.text });
    }
  }
  writeCentreConfig(t.dataDir, { ...t.centre.config, witnesses: entries });
  const centre = openCentre(t.dataDir, t.clock.now, {});
  cleanups.push(() => centre.close());
  const submitter = new WitnessSubmitter({ centre, clock: () => t.clock.now, logger: silent, pollMs: 20, timeoutMs: 2_000 });
  cleanups.push(() => submitter.stop());
  return { t, centre, submitter, witnesses: running };
}

async function cosigned(s: Setup): Promise<void> {
  s.submitter.tick();
  await s.submitter.settled();
}

const witnessKeys = (s: Setup): ReturnType<typeof parseVerifierKey>[] =>
  s.centre.config.witnesses.map((w) => parseVerifierKey(w.vkey, { signatureTypes: [SIGNATURE_TYPE_COSIGNATURE_V1] }));

function verify(s: Setup, note: string, quorum: number): ReturnType<typeof verifyCheckpoint> {
  const logKey = s.centre.keyring.signerFor(KEY_PURPOSES.checkpoint, s.t.clock.now).verifier;
  return verifyCheckpoint(note, { origin: s.centre.log.origin, logKey, witnesses: witnessKeys(s), witnessQuorum: quorum });
}

describe('the Centre and its witnesses', () => {
  describe('when every witness answers', () => {
    it('serves the checkpoint with a cosignature from each, on the API and in the export', async () => {
      setup = await withWitnesses(2);
      await publishIndicators(setup.t, 3);
      await cosigned(setup);
      const app = createApp({ centre: setup.centre, clock: () => setup?.t.clock.now ?? 0, onError: (err) => console.error(err) });
      const note = await (await app.request('/v1/log/checkpoint')).text();
      const verified = verify(setup, note, 2);
      expect(verified.checkpoint.size).toBe(setup.centre.log.size());
      const out = dirs.make('centre-export-');
      exportFeed(setup.centre, out, setup.t.clock.now);
      expect(verify(setup, readFileSync(join(out, 'v1/log/checkpoint'), 'utf8'), 2).cosignatures).toHaveLength(2);
    });

    it('sends each later checkpoint with the consistency proof from the size last cosigned', async () => {
      setup = await withWitnesses(1);
      await publishIndicators(setup.t, 1);
      await cosigned(setup);
      const first = setup.centre.cosignatures.latest(setup.centre.config.witnesses[0]?.vkey ?? '')?.size;
      await publishIndicators(setup.t, 2);
      await cosigned(setup);
      const second = setup.centre.cosignatures.latest(setup.centre.config.witnesses[0]?.vkey ?? '')?.size;
      expect(first).toBeGreaterThan(0);
      expect(second).toBe(setup.centre.log.size());
      expect(second).toBeGreaterThan(first ?? 0);
      expect(verify(setup, setup.centre.signedCheckpoint(setup.t.clock.now).served, 1).cosignatures).toHaveLength(1);
    });
  });

  describe('when the Centre does not know the size a witness holds', () => {
    it('retries from the size the 409 names and gets the cosignature', async () => {
      setup = await withWitnesses(1);
      await publishIndicators(setup.t, 1);
      await cosigned(setup);
      // The Centre forgets (a restored backup): it will send old 0, the witness answers 409 with its size.
      setup.centre.db.exec('DELETE FROM witness_cosignatures');
      await publishIndicators(setup.t, 1);
      await cosigned(setup);
      expect(setup.centre.cosignatures.status()[0]?.cosignedSize).toBe(setup.centre.log.size());
    });
  });

  describe('when a witness is unreachable', () => {
    it('publishes regardless, serves the cosignatures it has, and shows the witness without a size', async () => {
      setup = await withWitnesses(1, 1);
      await publishIndicators(setup.t, 2);
      await cosigned(setup);
      const verified = verify(setup, setup.centre.signedCheckpoint(setup.t.clock.now).served, 1);
      expect(verified.cosignatures).toHaveLength(1);
      const app = createApp({ centre: setup.centre, clock: () => setup?.t.clock.now ?? 0, onError: (err) => console.error(err) });
      const transparency: unknown = await (await app.request('/v1/transparency')).json();
      const listed: unknown = typeof transparency === 'object' && transparency !== null ? Reflect.get(transparency, 'witnesses') : undefined;
      expect(listed).toEqual([
        { url: setup.centre.config.witnesses[0]?.url, verifierKey: setup.centre.config.witnesses[0]?.vkey, cosignedSize: setup.centre.log.size(), cosignedAt: expect.any(String) },
        { url: setup.centre.config.witnesses[1]?.url, verifierKey: setup.centre.config.witnesses[1]?.vkey, cosignedSize: null, cosignedAt: null },
      ]);
    });
  });
});

type Answer = (checkpoint: string, key: SigningKey) => Response | Promise<Response>;

/** The last signature line of a cosigned note. */
const lastLine = (note: string): string => `${note.split('\n').at(-2) ?? ''}\n`;

describe('the Centre and a witness that misbehaves', () => {
  const cases: readonly { name: string; code: string; answer: Answer }[] = [
    { name: 'text that is no cosignature', code: 'WITNESS_BAD_ANSWER', answer: () => new Response('hello\n', { status: 200 }) },
    { name: 'a cosignature by another key', code: 'WITNESS_BAD_ANSWER', answer: (note) => new Response(lastLine(cosignCheckpoint(note, generateSigningKey('witness.example/bad', { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 }), 1_800_000_000))) },
    {
      name: 'its cosignature of another checkpoint',
      code: 'WITNESS_BAD_ANSWER',
      answer: (note, key) => new Response(lastLine(cosignCheckpoint(note.replace(/\n[0-9]+\n/, '\n999\n').split('\n\n')[0] + '\n\n' + note.split('\n\n')[1], key, 1_800_000_000))),
    },
    // 10^13 s is past the last instant a Date holds (8.64e15 ms): stored, it made /v1/transparency answer 500.
    { name: 'a cosignature dated beyond any date', code: 'WITNESS_BAD_ANSWER', answer: (note, key) => new Response(lastLine(cosignCheckpoint(note, key, 10_000_000_000_000))) },
    {
      // A blank line first moves the note's text split: the line verifies over the body and an empty line, not over the checkpoint.
      name: 'a cosignature of the checkpoint body with an empty line appended',
      code: 'WITNESS_BAD_ANSWER',
      answer: (note, key) => new Response(`\n${formatSignatureLine(createNoteSignature(`${note.slice(0, note.lastIndexOf('\n\n') + 1)}\n`, key, { timestamp: 1_800_000_000 }))}`),
    },
    { name: 'a 409 size that does not parse', code: 'WITNESS_REFUSED', answer: () => new Response('many\n', { status: 409, headers: { 'content-type': 'text/x.tlog.size' } }) },
    { name: 'a 409 size beyond the log', code: 'WITNESS_AHEAD', answer: () => new Response('999999\n', { status: 409, headers: { 'content-type': 'text/x.tlog.size' } }) },
    { name: 'an endless answer', code: 'WITNESS_BAD_ANSWER', answer: () => new Response('x'.repeat(1 << 20)) },
    { name: 'no answer in time', code: 'WITNESS_UNREACHABLE', answer: () => new Promise<Response>(() => undefined) },
    { name: 'a 500', code: 'WITNESS_REFUSED', answer: () => new Response('{"error":{"code":"INTERNAL","message":"x"}}', { status: 500 }) },
  ];

  it.each(cases)('logs $code for $name, stores nothing and serves the checkpoint without it', async ({ code, answer }) => {
    const t = createTestCentre({ accessPolicy: 'account' });
    cleanups.push(() => t.close());
    await publishIndicators(t, 1);
    const key = generateSigningKey('witness.example/rogue', { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 });
    const app = new Hono();
    app.post('/add-checkpoint', async (c) => {
      const body = await c.req.text();
      return answer(body.slice(body.indexOf('\n\n') + 2), key);
    });
    const url = await serveOnLoopback(app);
    writeCentreConfig(t.dataDir, { ...t.centre.config, witnesses: [{ url, vkey: key.verifier.text }] });
    const centre = openCentre(t.dataDir, t.clock.now, {});
    cleanups.push(() => centre.close());
    const logged: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk: Buffer, _encoding, done) => { logged.push(chunk.toString()); done(); } }));
    const submitter = new WitnessSubmitter({ centre, clock: () => t.clock.now, logger, pollMs: 60_000, timeoutMs: 300 });
    cleanups.push(() => submitter.stop());
    submitter.tick();
    await submitter.settled();
    expect(logged.join('')).toContain(`"code":"${code}"`);
    expect(centre.cosignatures.status()[0]?.cosignedSize).toBeNull();
    const served = centre.signedCheckpoint(t.clock.now);
    expect(served.served).toBe(served.note);
  });
});

describe('the Centre and a witness that once named a size beyond the log', () => {
  describe('when the witness answers truly afterwards', () => {
    it('asks it again after the backoff and gets the cosignature: the bogus size is not kept', async () => {
      const t = createTestCentre({ accessPolicy: 'account' });
      cleanups.push(() => t.close());
      await publishIndicators(t, 1);
      const logKey = t.centre.keyring.signerFor(KEY_PURPOSES.checkpoint, t.clock.now).verifier;
      const dataDir = dirs.make('centre-witness-');
      const vkey = initWitness(dataDir, 'witness.example/w0');
      const witness = await serveWitness({ dataDir, port: 0, logs: new Map([[t.centre.log.origin, [logKey]]]), logger: silent });
      cleanups.push(() => witness.close());
      // In front of the real witness: the first answer is a 409 naming a size the log never reached.
      let answered = 0;
      const app = new Hono();
      app.post('/add-checkpoint', async (c) => {
        if (answered++ === 0) return c.body('999999\n', 409, { 'content-type': 'text/x.tlog.size' });
        return fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body: await c.req.text() });
      });
      const url = await serveOnLoopback(app);
      writeCentreConfig(t.dataDir, { ...t.centre.config, witnesses: [{ url, vkey: vkey.text }] });
      const centre = openCentre(t.dataDir, t.clock.now, {});
      cleanups.push(() => centre.close());
      const submitter = new WitnessSubmitter({ centre, clock: () => t.clock.now, logger: silent, pollMs: 60_000, timeoutMs: 2_000 });
      cleanups.push(() => submitter.stop());
      submitter.tick();
      await submitter.settled();
      expect(centre.cosignatures.status()[0]?.cosignedSize).toBeNull();
      t.clock.now += 60_000;
      submitter.tick();
      await submitter.settled();
      expect(answered).toBe(2);
      expect(centre.cosignatures.status()[0]?.cosignedSize).toBe(centre.log.size());
    });
  });
});
