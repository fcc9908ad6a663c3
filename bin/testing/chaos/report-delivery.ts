import { randomBytes } from 'node:crypto';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { openReplicaDatabase } from '../../../client/replica/database.ts';
import { sidecarConfigFor, sidecarConfigJson } from '../sidecar-config.ts';
import { createSidecar } from '../../../client/sidecar/sidecar.ts';
import { md5Digest } from '../../../shared/hashing/index.ts';
import { tempDirs } from '../../../shared/testing/temp-dirs.ts';
import { entitleSidecar } from '../feed-access.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from '../loopback-centre.ts';
import { runAndKill } from './kill.ts';
import { checkRun, Invariants, type ChaosRun, type ChaosScenario } from './scenario.ts';

const REPORTS = 12;
const child = join(import.meta.dirname, 'report-child.ts');
const MARKERS = { start: 'reporting', done: 'reported' };
// Synthetic known content: random bytes, no image, matched by their MD5.
const CONTENT = randomBytes(2048);

/**
 * A sidecar scanning known content under an order, enqueueing reports and
 * delivering them to a real Centre on loopback, killed at random points;
 * after each kill a restarted sidecar delivers the rest.
 */
export function reportDeliveryScenario(): ChaosScenario {
  const dirs = tempDirs();
  let centre: LoopbackCentre | undefined;
  let template = '';
  /** Every report any run's queue held: the Centre must hold exactly these, each once. */
  const queuedEverywhere = new Set<string>();
  const sidecar = async (dataDir: string) => {
    if (centre === undefined) throw new Error('not prepared');
    return createSidecar({ config: sidecarConfigFor(centre, dataDir), logger: pino({ level: 'silent' }) });
  };
  const runOnce = async (delayMs: number | null) => {
    if (centre === undefined) throw new Error('not prepared');
    const dataDir = dirs.make('hf-chaos-reports-');
    cpSync(template, dataDir, { recursive: true });
    return { dataDir, ...(await runAndKill(child, [JSON.stringify(sidecarConfigJson(centre, dataDir)), CONTENT.toString('hex'), String(REPORTS)], MARKERS, delayMs)) };
  };
  /** Checks one run's queue against what the child was told and what the Centre holds; the restarted sidecar delivers first. */
  const check = async (dataDir: string, output: string, is: Invariants): Promise<void> => {
    if (centre === undefined) throw new Error('not prepared');
    const announced = [...output.matchAll(/^queued (\S+)$/gm)].map((m) => m[1] ?? '');
    const readQueue = (): { report_id: string; state: string }[] => {
      const db = openReplicaDatabase(join(dataDir, 'replica.db'));
      try {
        is.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'replica integrity_check');
        return db.prepare<[], { report_id: string; state: string }>('SELECT report_id, state FROM report_queue').all();
      } finally {
        db.close();
      }
    };
    const before = readQueue();
    const ids = new Set(before.map((r) => r.report_id));
    is.equal(ids.size, before.length, 'queued reports in exactly one state');
    for (const id of announced) is.check(ids.has(id), `report ${id}, answered to the caller, is in the queue`);
    const restarted = await sidecar(dataDir);
    try {
      await restarted.deliverReports();
    } finally {
      await restarted.stop();
    }
    const after = readQueue();
    is.equal(after.length, before.length, 'queued reports after the restart');
    is.check(after.every((r) => r.state === 'delivered'), `every report delivered after the restart (${after.filter((r) => r.state !== 'delivered').length} not)`);
    const atCentre = centre.running.centre.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM reports WHERE report_id = ?');
    for (const r of after) {
      is.equal(atCentre.get(r.report_id)?.n, 1, `report ${r.report_id} at the Centre`);
      queuedEverywhere.add(r.report_id);
    }
    is.equal(centre.running.centre.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM reports').get()?.n, queuedEverywhere.size, 'reports at the Centre against reports queued by every run');
  };
  return {
    async prepare() {
      centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'md5', hash: Buffer.from(md5Digest(CONTENT)).toString('hex') }]);
      const now = Date.now();
      const res = await fetch(`${centre.url}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${centre.tokens.operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          orderId: 'CHAOS-REPORTS-1',
          issuingAuthority: 'DE-BKA',
          legalReference: 'Chaos run order',
          provider: 'example-host',
          surfaces: ['uploads'],
          targets: { users: ['alice'], groups: [], channels: [] },
          notBefore: now - 60_000,
          notAfter: now + 86_400_000,
        }),
      });
      if (res.status !== 201) throw new Error(`registering the order: ${res.status} ${await res.text()}`);
      template = dirs.make('hf-chaos-reports-template-');
      const first = await sidecar(template);
      await entitleSidecar(centre, first);
      await first.syncOnce();
      await first.stop();
      const calibration = await runOnce(null);
      const is = new Invariants();
      await check(calibration.dataDir, calibration.output, is);
      rmSync(calibration.dataDir, { recursive: true, force: true });
      if (is.failures.length > 0) throw new Error(`the unkilled run broke invariants: ${is.failures.join('; ')}`);
      return { operationMs: calibration.elapsedMs };
    },
    async run(_index, delayMs): Promise<ChaosRun> {
      const { dataDir, outcome, output } = await runOnce(delayMs);
      return checkRun(dataDir, outcome, delayMs, async (is) => {
        await check(dataDir, output, is);
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
