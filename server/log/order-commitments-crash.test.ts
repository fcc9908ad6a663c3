import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleOrder } from '../../shared/testing/sample-order.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { openCentre } from '../centre.ts';
import { initCentre } from '../init.ts';

const childScript = join(import.meta.dirname, '..', 'testing', 'order-crash-child.ts');
const dirs = tempDirs();
afterEach(() => dirs.removeAll());

/** Runs the child, which kills itself inside the registration's transaction; resolves with what it printed. */
function registerAndCrash(dataDir: string, token: string, order: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, dataDir, token, JSON.stringify(order)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (_code, signal) => resolve(`${output}exit ${String(signal)}`));
  });
}

describe('an order registration killed inside its transaction', () => {
  it('leaves neither the order nor its leaf, and the next registration commits both', async () => {
    const dataDir = dirs.make('hf-order-crash-');
    const now = Date.now();
    initCentre(dataDir, now);
    const setup = openCentre(dataDir, now, {});
    const token = setup.write(() => setup.accounts.issueToken(setup.accounts.ensure('centre-op', 'operator', now).account.id, null, now).token);
    setup.write(() => setup.accounts.ensure('example-host', 'provider', now));
    const sizeBefore = setup.log.size();
    setup.close();

    const order = sampleOrder(now, { notAfter: now + 86_400_000 });
    expect(await registerAndCrash(dataDir, token, order)).toBe('inside the transaction\nexit SIGKILL');

    const centre = openCentre(dataDir, Date.now(), {});
    try {
      expect(centre.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(centre.orders.get(order.orderId)).toBeUndefined();
      expect(centre.log.size()).toBe(sizeBefore);
      expect(centre.db.prepare('SELECT count(*) AS n FROM order_commitments').get()).toEqual({ n: 0 });
      expect(centre.db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'order.register'").get()).toEqual({ n: 0 });

      const stored = centre.write(() => {
        const created = centre.orders.insert(order, centre.accounts.byName('example-host')?.id ?? 0, 'centre-op', Date.now());
        centre.orderCommitments.register(created, Date.now());
        return created;
      });
      expect(centre.orderCommitments.of(stored.number).register?.logIndex).toBe(sizeBefore);
      expect(centre.log.latestCheckpoint()?.size).toBe(sizeBefore + 1);
    } finally {
      centre.close();
    }
  });
});
