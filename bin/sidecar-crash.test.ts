import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { computeStateDigest } from '../shared/wire/state-digest.ts';
import { parseSidecarConfig } from '../client/sidecar/config.ts';
import { createSidecar } from '../client/sidecar/sidecar.ts';
import { openReplicaDatabase } from '../client/replica/database.ts';
import { Replica } from '../client/replica/replica.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { entitleSidecar } from './testing/feed-access.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';

const ROWS = 40_000;
const child = join(import.meta.dirname, 'testing', 'sync-child.ts');
const dirs = tempDirs();
const children = new Set<ChildProcess>();

function configFor(centre: LoopbackCentre, dataDir: string): Record<string, unknown> {
  return {
    centre: centre.url,
    providerToken: centre.tokens.provider,
    provider: 'example-host',
    rootKey: centre.rootKey,
    dataDir,
    localToken: 'local-token-for-the-crash-test',
    surfaces: [{ id: 'uploads', description: 'uploads', e2ee: false }],
  };
}

function syncAndKill(config: Record<string, unknown>, delayMs: number): Promise<'killed' | 'finished'> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(proc);
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('syncing') && !out.includes('armed')) {
        out += 'armed';
        setTimeout(() => proc.kill('SIGKILL'), delayMs);
      }
    });
    proc.once('error', reject);
    proc.once('exit', () => {
      children.delete(proc);
      resolve(out.includes('synced') ? 'finished' : 'killed');
    });
  });
}

describe('a sidecar killed with SIGKILL during a large apply', () => {
  let centre: LoopbackCentre;
  afterAll(async () => {
    for (const proc of children) proc.kill('SIGKILL');
    try {
      await stopLoopbackCentres();
    } finally {
      dirs.removeAll();
    }
  });

  it('restarts at version N or N+1, consistent, and syncs on', async () => {
    centre = await startLoopbackCentre();
    await centre.publish([{ algorithm: 'pdq', hash: randomBytes(32).toString('hex') }]);
    const template = dirs.make('hf-sidecar-crash-');
    const first = await createSidecar({ config: parseSidecarConfig(configFor(centre, template), template), logger: pino({ level: 'silent' }) });
    // Its report and encryption keys, approved by the operator: every copy of this data folder below holds them, so each run reads the sealed feed.
    await entitleSidecar(centre, first);
    expect(await first.syncOnce()).toMatchObject({ version: 1 });
    await first.stop();
    await centre.publish(Array.from({ length: ROWS }, () => ({ algorithm: 'pdq', hash: randomBytes(32).toString('hex') })));

    const outcomes: string[] = [];
    for (const delay of [50, 400, 10_000]) {
      const dataDir = dirs.make('hf-sidecar-crash-run-');
      cpSync(template, dataDir, { recursive: true });
      const how = await syncAndKill(configFor(centre, dataDir), delay);
      const db = openReplicaDatabase(join(dataDir, 'replica.db'));
      const replica = new Replica(db);
      const state = replica.state();
      expect([1, 2]).toContain(state.version);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(Buffer.from(computeStateDigest(replica.entries()))).toEqual(Buffer.from(state.stateDigest ?? []));
      expect(replica.size()).toBe(state.version === 1 ? 1 : ROWS + 1);
      outcomes.push(`${how}:${state.version}`);
      db.close();

      const restarted = await createSidecar({ config: parseSidecarConfig(configFor(centre, dataDir), dataDir), logger: pino({ level: 'silent' }) });
      expect(restarted.matcher().size).toBe(state.version === 1 ? 1 : ROWS + 1);
      expect(await restarted.syncOnce()).toMatchObject({ version: 2 });
      expect(restarted.matcher().size).toBe(ROWS + 1);
      await restarted.stop();
    }
    expect(outcomes).toContain('killed:1');
    expect(outcomes).toContain('finished:2');
  }, 180_000);
});
