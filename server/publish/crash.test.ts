import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { computeStateDigest } from '../../shared/wire/state-digest.ts';
import { openCentre, type Centre } from '../centre.ts';
import { initCentre } from '../init.ts';

const ROWS = 60_000;
const childScript = join(import.meta.dirname, '..', 'testing', 'publish-child.ts');
const dirs = tempDirs();
const children = new Set<ChildProcess>();

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  dirs.removeAll();
});

/** A Centre at version 1 with ROWS approved indicators waiting for version 2. */
function prepare(): string {
  const dataDir = dirs.make('hf-crash-');
  const now = Date.now();
  initCentre(dataDir, now);
  const centre = openCentre(dataDir, now, {});
  const authority = centre.write(() => centre.accounts.ensure('DE-BKA', 'authority', now).account.id);
  const operator = centre.write(() => centre.accounts.ensure('op', 'operator', now).account.id);
  const submit = (n: number): void => {
    const { batchId } = centre.write(() =>
      centre.indicators.submit(authority, Array.from({ length: n }, (_, i) => ({ algorithm: 'pdq', hash: randomBytes(32), category: 'A1', reference: `r${i}` })), now, 1),
    );
    centre.write(() => centre.indicators.approveBatch(batchId, operator, now));
  };
  submit(10);
  centre.publisher.publish('setup', now);
  submit(ROWS);
  centre.close();
  return dataDir;
}

/** Runs the child publisher and kills it `delayMs` after it starts publishing; resolves whether it finished first. */
function publishAndKill(dataDir: string, delayMs: number): Promise<'killed' | 'finished'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('publishing') && !output.includes('armed')) {
        output += 'armed';
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.once('error', reject);
    child.once('exit', () => {
      children.delete(child);
      resolve(output.includes('published') ? 'finished' : 'killed');
    });
  });
}

/** Everything the Centre promises about a version holds after a crash. */
function checkConsistent(centre: Centre): number {
  expect(centre.db.pragma('integrity_check', { simple: true })).toBe('ok');
  const latest = centre.publisher.latest();
  if (latest === undefined) throw new Error('no version');
  const active = centre.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM indicators WHERE status = 'active'").get()?.n;
  expect(active).toBe(latest.active);
  expect(Buffer.from(computeStateDigest((function* () {
    for (const raw of centre.db.prepare("SELECT id, algorithm, hash, category FROM indicators WHERE status = 'active' ORDER BY id").raw().iterate()) {
      const [id, algorithm, hash, category] = raw as [number, string, Buffer, string];
      yield { id, algorithm, hash, category };
    }
  })()))).toEqual(Buffer.from(latest.stateDigest));
  expect(centre.log.leafIndex('delta', latest.version)).toBe(latest.logIndex);
  // The version's snapshot is the last leaf, committed with its delta.
  expect(centre.log.leafIndex('snapshot', latest.version)).toBe(latest.logIndex + 1);
  expect(centre.log.size()).toBe(latest.logIndex + 2);
  return latest.version;
}

describe('publication under SIGKILL', () => {
  it('leaves version N or N+1 complete, never a part, and publishes on after restart', async () => {
    const template = prepare();
    const outcomes: string[] = [];
    for (const delay of [5, 150, 2000]) {
      const dataDir = dirs.make('hf-crash-run-');
      cpSync(template, dataDir, { recursive: true });
      const how = await publishAndKill(dataDir, delay);
      const centre = openCentre(dataDir, Date.now(), {});
      try {
        const version = checkConsistent(centre);
        expect([1, 2]).toContain(version);
        outcomes.push(`${how}:${version}`);
        if (version === 1) {
          // The interrupted publication is simply redone.
          expect(centre.publisher.publish('retry', Date.now())).toMatchObject({ version: 2, adds: ROWS });
          checkConsistent(centre);
        }
      } finally {
        centre.close();
      }
    }
    // At least one kill must have landed inside the transaction for the test to mean anything.
    expect(outcomes).toContain('killed:1');
  }, 180_000);
});
