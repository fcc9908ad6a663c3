import { randomBytes } from 'node:crypto';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { openReplicaDatabase } from '../../../client/replica/database.ts';
import { Replica } from '../../../client/replica/replica.ts';
import { sidecarConfigFor, sidecarConfigJson } from '../sidecar-config.ts';
import { createSidecar } from '../../../client/sidecar/sidecar.ts';
import { tempDirs } from '../../../shared/testing/temp-dirs.ts';
import { computeStateDigest } from '../../../shared/wire/state-digest.ts';
import { entitleSidecar } from '../feed-access.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from '../loopback-centre.ts';
import { runAndKill } from './kill.ts';
import { checkRun, type ChaosRun, type ChaosScenario } from './scenario.ts';

const ROWS = 8_000;
const child = join(import.meta.dirname, '..', 'sync-child.ts');
const MARKERS = { start: 'syncing', done: 'synced' };

/**
 * A sidecar at version 1 syncing version 2 (ROWS more hashes) from a real
 * Centre on loopback, killed at random points of the sync and apply.
 */
export function sidecarApplyScenario(): ChaosScenario {
  const dirs = tempDirs();
  let centre: LoopbackCentre | undefined;
  let template = '';
  const sidecar = async (dataDir: string) => {
    if (centre === undefined) throw new Error('not prepared');
    return createSidecar({ config: sidecarConfigFor(centre, dataDir), logger: pino({ level: 'silent' }) });
  };
  const runOnce = async (delayMs: number | null) => {
    if (centre === undefined) throw new Error('not prepared');
    const dataDir = dirs.make('hf-chaos-sidecar-');
    cpSync(template, dataDir, { recursive: true });
    return { dataDir, ...(await runAndKill(child, [JSON.stringify(sidecarConfigJson(centre, dataDir))], MARKERS, delayMs)) };
  };
  return {
    async prepare() {
      centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: randomBytes(32).toString('hex') }]);
      template = dirs.make('hf-chaos-sidecar-template-');
      const first = await sidecar(template);
      // Its keys approved once: every copy of the template reads the sealed feed.
      await entitleSidecar(centre, first);
      await first.syncOnce();
      await first.stop();
      await centre.publish(Array.from({ length: ROWS }, () => ({ algorithm: 'pdq', hash: randomBytes(32).toString('hex') })));
      const calibration = await runOnce(null);
      rmSync(calibration.dataDir, { recursive: true, force: true });
      return { operationMs: calibration.elapsedMs };
    },
    async run(_index, delayMs): Promise<ChaosRun> {
      if (centre === undefined) throw new Error('not prepared');
      const prepared = centre;
      const { dataDir, outcome } = await runOnce(delayMs);
      return checkRun(dataDir, outcome, delayMs, async (is) => {
        const db = openReplicaDatabase(join(dataDir, 'replica.db'));
        try {
          is.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'replica integrity_check');
          const replica = new Replica(db);
          const state = replica.state();
          const digest = Buffer.from(computeStateDigest(replica.entries()));
          is.check(digest.equals(Buffer.from(state.stateDigest ?? [])), `the replica’s digest equals its recorded version’s (${state.version})`);
          const published = prepared.running.centre.publisher.version(state.version);
          is.check(published !== undefined && digest.equals(Buffer.from(published.stateDigest)), `the replica’s digest equals published version ${state.version}’s`);
          is.check(state.version === 1 || state.version === 2, `the replica at N or N+1 (found ${state.version})`);
        } finally {
          db.close();
        }
        const restarted = await sidecar(dataDir);
        try {
          const synced = await restarted.syncOnce();
          is.equal(synced.version, 2, 'a restarted sidecar syncs on to the latest');
          is.equal(restarted.matcher().size, ROWS + 1, 'the restarted sidecar’s index size');
        } finally {
          await restarted.stop();
        }
      });
    },
    async close() {
      try {
        await stopLoopbackCentres();
      } finally {
        dirs.removeAll();
      }
    },
  };
}
