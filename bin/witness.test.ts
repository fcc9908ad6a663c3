import { randomBytes } from 'node:crypto';
import { cpSync } from 'node:fs';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createSidecar, type Sidecar } from '../client/sidecar/sidecar.ts';
import type { FetchLike } from '../client/net/http.ts';
import { readCentreConfig, writeCentreConfig } from '../server/centre.ts';
import { initWitness, serveWitness, type RunningWitness } from '../server/witness/index.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { KEY_PURPOSES } from '../shared/trust/index.ts';
import { entitleSidecar } from './testing/feed-access.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
import { sidecarConfigFor } from './testing/sidecar-config.ts';

const dirs = tempDirs();
const silent = pino({ level: 'silent' });
const sidecars: Sidecar[] = [];
const witnesses: RunningWitness[] = [];

afterEach(async () => {
  try {
    for (const sidecar of sidecars.splice(0)) await sidecar.stop();
    for (const witness of witnesses.splice(0)) await witness.close();
    await stopLoopbackCentres();
  } finally {
    dirs.removeAll();
  }
});

const rows = (n: number): { algorithm: string; hash: string }[] => Array.from({ length: n }, () => ({ algorithm: 'pdq', hash: randomBytes(32).toString('hex') }));

/** `count` witnesses that follow `centre`'s log, listed in its centre.json; the Centre is restarted on its port to pick them up. */
async function witnessed(centre: LoopbackCentre, count: number): Promise<{ centre: LoopbackCentre; keys: string[] }> {
  const { log, keyring } = centre.running.centre;
  const logs = new Map([[log.origin, [keyring.signerFor(KEY_PURPOSES.checkpoint, Date.now()).verifier]]]);
  const entries: { url: string; vkey: string }[] = [];
  for (let i = 0; i < count; i++) {
    const dataDir = dirs.make('hf-witness-');
    const vkey = initWitness(dataDir, `witness.example/w${i}`);
    const witness = await serveWitness({ dataDir, port: 0, logs, logger: silent });
    witnesses.push(witness);
    entries.push({ url: witness.url, vkey: vkey.text });
  }
  await centre.stop();
  writeCentreConfig(centre.dataDir, { ...readCentreConfig(centre.dataDir), witnesses: entries });
  return { centre: await centre.restart(Number(new URL(centre.url).port)), keys: entries.map((e) => e.vkey) };
}

/** Waits until every witness of `centre` has cosigned its current checkpoint (the submitter runs in the background). */
async function cosigned(centre: LoopbackCentre): Promise<number> {
  const { running } = centre;
  const deadline = Date.now() + 10_000;
  for (;;) {
    running.witnesses.tick();
    await running.witnesses.settled();
    const size = running.centre.log.size();
    if (running.centre.cosignatures.status().every((w) => w.cosignedSize === size)) return size;
    if (Date.now() > deadline) throw new Error(`the witnesses did not cosign size ${size}: ${JSON.stringify(running.centre.cosignatures.status())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A sidecar of example-host requiring `quorum` of `keys`; its feed requests go wherever `route.to` says (the Centre's URL replaced). */
async function sidecarOf(centre: LoopbackCentre, keys: readonly string[], quorum: number, route?: { to: string }, clock?: { now: number }): Promise<Sidecar> {
  const routed: FetchLike = (url, init) => fetch(route === undefined ? url : String(url).replace(centre.url, route.to), init);
  const sidecar = await createSidecar({
    config: sidecarConfigFor(centre, dirs.make('hf-witness-sidecar-'), { witnesses: keys, witnessQuorum: quorum }),
    fetch: routed,
    logger: silent,
    ...(clock === undefined ? {} : { clock: () => clock.now }),
  });
  sidecars.push(sidecar);
  await entitleSidecar(centre, sidecar);
  return sidecar;
}

async function syncCode(sidecar: Sidecar): Promise<string> {
  try {
    await sidecar.syncOnce();
    return 'none';
  } catch (err) {
    return err instanceof Error && 'code' in err ? String(err.code) : 'OTHER';
  }
}

describe('witnessed checkpoints, end to end', () => {
  describe('when the witnesses cosign an honest Centre', () => {
    it('syncs a sidecar that requires their quorum', async () => {
      let centre = await startLoopbackCentre();
      await centre.publish(rows(3));
      let keys: string[];
      ({ centre, keys } = await witnessed(centre, 2));
      const sidecar = await sidecarOf(centre, keys, 2);
      await cosigned(centre);
      const first = await sidecar.syncOnce();
      await centre.publish(rows(2));
      await cosigned(centre);
      expect(await sidecar.syncOnce()).toMatchObject({ version: first.version + 1 });
      expect(sidecar.health()).toMatchObject({ status: 'ok' });
    });

    it('refuses the checkpoint until the quorum has cosigned it, keeping the replica', async () => {
      let centre = await startLoopbackCentre();
      await centre.publish(rows(1));
      let keys: string[];
      ({ centre, keys } = await witnessed(centre, 1));
      await cosigned(centre);
      // The witness goes away: the next publication is served without its cosignature.
      const sidecar = await sidecarOf(centre, keys, 1);
      await cosigned(centre);
      const synced = await sidecar.syncOnce();
      for (const witness of witnesses.splice(0)) await witness.close();
      await centre.publish(rows(1));
      expect(await syncCode(sidecar)).toBe('SYNC_WITNESS_QUORUM');
      expect(sidecar.replica.state().version).toBe(synced.version);
    });
  });

  describe('when the Centre forks its history for one provider while honest witnesses run', () => {
    it("is refused by that provider's sidecar (SYNC_WITNESS_QUORUM), which keeps its last good version until it turns stale", async () => {
      let centre = await startLoopbackCentre();
      await centre.publish(rows(2));
      let keys: string[];
      ({ centre, keys } = await witnessed(centre, 2));
      const route = { to: centre.url };
      const victimClock = { now: Date.now() };
      const honest = await sidecarOf(centre, keys, 2);
      const victim = await sidecarOf(centre, keys, 2, route, victimClock);
      // Without witnesses, the same provider would take the fork: the control.
      const unwitnessed = await sidecarOf(centre, [], 0, route);
      await cosigned(centre);
      const shared = await victim.syncOnce();
      await honest.syncOnce();
      await unwitnessed.syncOnce();

      // The fork: the data folder copied before a publication, then each copy publishes its own content with the same keys.
      const port = Number(new URL(centre.url).port);
      await centre.stop();
      const forkDir = dirs.make('hf-witness-fork-');
      cpSync(centre.dataDir, forkDir, { recursive: true });
      centre = await centre.restart(port);
      await centre.publish(rows(2));
      const honestSize = await cosigned(centre);
      const fork = await startLoopbackCentre({}, 0, { dataDir: forkDir, rootKey: centre.rootKey, tokens: { ...centre.tokens } });
      await fork.publish(rows(2));
      fork.running.witnesses.tick();
      await fork.running.witnesses.settled();
      // The witnesses hold the honest size and refuse the fork's checkpoint (a conflict or an inconsistent proof).
      expect(fork.running.centre.log.size()).toBe(honestSize);
      expect(fork.running.centre.cosignatures.status().every((w) => (w.cosignedSize ?? 0) < honestSize)).toBe(true);

      route.to = fork.url;
      expect(await syncCode(victim)).toBe('SYNC_WITNESS_QUORUM');
      expect(victim.replica.state().version).toBe(shared.version);
      expect(await unwitnessed.syncOnce()).toMatchObject({ version: shared.version + 1 });
      expect(await honest.syncOnce()).toMatchObject({ version: shared.version + 1 });

      // The victim goes on serving its last good version; once its timestamp expires, health says stale.
      expect(victim.health()).toMatchObject({ status: 'ok' });
      victimClock.now += 25 * 3_600_000;
      expect(victim.health()).toMatchObject({ status: 'stale' });
    });
  });
});
