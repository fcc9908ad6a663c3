import { randomBytes } from 'node:crypto';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openCentre, type Centre } from '../../../server/centre.ts';
import { initCentre } from '../../../server/init.ts';
import { tempDirs } from '../../../shared/testing/temp-dirs.ts';
import { computeStateDigest } from '../../../shared/wire/state-digest.ts';
import { runAndKill } from './kill.ts';
import { checkRun, Invariants, type ChaosRun, type ChaosScenario } from './scenario.ts';

const ROWS = 8_000;
const child = join(import.meta.dirname, '..', '..', '..', 'server', 'testing', 'publish-child.ts');
const MARKERS = { start: 'publishing', done: 'published' };

/** Everything the Centre promises about its latest version, as server/publish/crash.test.ts checks it. */
function checkPublication(centre: Centre, is: Invariants): number | undefined {
  is.equal(centre.db.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check');
  const latest = centre.publisher.latest();
  if (latest === undefined) {
    is.check(false, 'no published version');
    return undefined;
  }
  const active = centre.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM indicators WHERE status = 'active'").get()?.n;
  is.equal(active, latest.active, 'active indicators against the version');
  const rows = centre.db.prepare<[], { id: number; algorithm: string; hash: Buffer; category: string }>("SELECT id, algorithm, hash, category FROM indicators WHERE status = 'active' ORDER BY id");
  is.check(Buffer.from(computeStateDigest(rows.iterate())).equals(Buffer.from(latest.stateDigest)), 'state digest of the active indicators equals the version’s');
  is.equal(centre.log.leafIndex('delta', latest.version), latest.logIndex, 'the delta’s log leaf');
  is.equal(centre.log.leafIndex('snapshot', latest.version), latest.logIndex + 1, 'the snapshot’s log leaf');
  is.equal(centre.log.size(), latest.logIndex + 2, 'log size');
  is.check(centre.publisher.deltaEnvelope(latest.version) !== undefined, 'the version’s delta is served');
  const versions = centre.publisher.versions().map((v) => v.version);
  is.check(versions.every((v, i) => v === i + 1), `versions are 1..N without gaps (${versions.join(',')})`);
  return latest.version;
}

/** A Centre publishing version 2 (ROWS new indicators) over version 1, killed at random points. */
export function publicationScenario(): ChaosScenario {
  const dirs = tempDirs();
  let template = '';
  const runOnce = async (delayMs: number | null): Promise<{ dataDir: string; outcome: 'killed' | 'finished'; elapsedMs: number }> => {
    const dataDir = dirs.make('hf-chaos-publish-');
    cpSync(template, dataDir, { recursive: true });
    return { dataDir, ...(await runAndKill(child, [dataDir], MARKERS, delayMs)) };
  };
  return {
    async prepare() {
      template = dirs.make('hf-chaos-publish-template-');
      const now = Date.now();
      initCentre(template, now);
      const centre = openCentre(template, now, {});
      const authority = centre.write(() => centre.accounts.ensure('DE-BKA', 'authority', now).account.id);
      const operator = centre.write(() => centre.accounts.ensure('op', 'operator', now).account.id);
      const submit = (n: number): void => {
        const rows = Array.from({ length: n }, (_, i) => ({ algorithm: 'pdq', hash: randomBytes(32), category: 'A1', reference: `r${i}` }));
        const { batchId } = centre.write(() => centre.indicators.submit(authority, rows, now, 1));
        centre.write(() => centre.indicators.approveBatch(batchId, operator, now));
      };
      submit(10);
      centre.publisher.publish('setup', now);
      submit(ROWS);
      centre.close();
      const calibration = await runOnce(null);
      rmSync(calibration.dataDir, { recursive: true, force: true });
      return { operationMs: calibration.elapsedMs };
    },
    async run(_index, delayMs): Promise<ChaosRun> {
      const { dataDir, outcome } = await runOnce(delayMs);
      return checkRun(dataDir, outcome, delayMs, async (is) => {
        const centre = openCentre(dataDir, Date.now(), {});
        try {
          const version = checkPublication(centre, is);
          is.check(version === 1 || version === 2, `publication at N or N+1 (found ${String(version)})`);
          if (version === 1) {
            // The interrupted publication is simply redone after the restart.
            const redone = centre.publisher.publish('retry', Date.now());
            is.equal(redone.version, 2, 'the redone publication’s version');
            checkPublication(centre, is);
          }
        } finally {
          centre.close();
        }
      });
    },
    async close() {
      dirs.removeAll();
    },
  };
}
