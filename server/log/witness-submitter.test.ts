import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseVerifierKey, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../../shared/crypto/index.ts';
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
