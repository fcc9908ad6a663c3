import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openCentre, type Centre } from '../../../server/centre.ts';
import { initCentre } from '../../../server/init.ts';
import { tempDirs } from '../../../shared/testing/temp-dirs.ts';
import { runAndKill } from './kill.ts';
import { checkRun, Invariants, type ChaosRun, type ChaosScenario } from './scenario.ts';

const ORDERS = 40;
const child = join(import.meta.dirname, 'order-child.ts');
const MARKERS = { start: 'ordering', done: 'ordered' };

const count = (centre: Centre, sql: string): number => centre.db.prepare<[], { n: number }>(sql).get()?.n ?? -1;

/** Every order registered or ended with its audit entry and its commitment leaf in the log, or neither; the log sealed to its size. */
function checkOrders(centre: Centre, is: Invariants): number {
  is.equal(centre.db.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check');
  const orders = centre.db.prepare<[], { id: number; ended: number }>("SELECT id, ended_at IS NOT NULL AS ended FROM orders WHERE order_id LIKE 'DE-2026-C%'").all();
  is.equal(count(centre, "SELECT count(*) AS n FROM audit WHERE action = 'order.register'"), orders.length, 'order.register audit entries against orders');
  is.equal(count(centre, "SELECT count(*) AS n FROM audit WHERE action = 'order.end'"), orders.filter((o) => o.ended === 1).length, 'order.end audit entries against ended orders');
  const size = centre.log.size();
  for (const order of orders) {
    const commitments = centre.orderCommitments.of(order.id);
    is.check(commitments.register !== undefined && commitments.register.logIndex < size, `order ${order.id} has its registration leaf`);
    is.check((commitments.end !== undefined) === (order.ended === 1), `order ${order.id} has an end leaf exactly when ended`);
  }
  if (size > 0) is.equal(centre.log.latestCheckpoint()?.size, size, 'the latest checkpoint covers the whole log');
  return orders.length;
}

/** An operator registering and ending detection orders at the Centre, killed at random points. */
export function orderListScenario(): ChaosScenario {
  const dirs = tempDirs();
  let template = '';
  let token = '';
  const runOnce = async (dataDir: string, delayMs: number | null) => runAndKill(child, [dataDir, token, String(ORDERS)], MARKERS, delayMs);
  const fresh = (): string => {
    const dataDir = dirs.make('hf-chaos-orders-');
    cpSync(template, dataDir, { recursive: true });
    return dataDir;
  };
  return {
    async prepare() {
      template = dirs.make('hf-chaos-orders-template-');
      const now = Date.now();
      initCentre(template, now);
      const centre = openCentre(template, now, {});
      token = centre.write(() => centre.accounts.issueToken(centre.accounts.ensure('centre-op', 'operator', now).account.id, null, now).token);
      centre.write(() => centre.accounts.ensure('example-host', 'provider', now));
      centre.close();
      const dataDir = fresh();
      const calibration = await runOnce(dataDir, null);
      rmSync(dataDir, { recursive: true, force: true });
      return { operationMs: calibration.elapsedMs };
    },
    async run(_index, delayMs): Promise<ChaosRun> {
      const dataDir = fresh();
      const { outcome } = await runOnce(dataDir, delayMs);
      return checkRun(dataDir, outcome, delayMs, async (is) => {
        let centre = openCentre(dataDir, Date.now(), {});
        try {
          checkOrders(centre, is);
        } finally {
          centre.close();
        }
        // The operator retries: the rest registers and ends, each once.
        is.equal((await runOnce(dataDir, null)).outcome, 'finished', 'a restarted run finishes');
        centre = openCentre(dataDir, Date.now(), {});
        try {
          is.equal(checkOrders(centre, is), ORDERS, 'orders after the restarted run');
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
