import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { hashLeaf } from '../../shared/merkle/index.ts';
import { openCentre } from '../centre.ts';
import type { CentreConfig } from '../config.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const bytesOf = async (res: Response): Promise<Uint8Array> => new Uint8Array(await res.arrayBuffer());
const jsonOf = async (res: Response): Promise<Record<string, unknown>> => Object(await res.json());
const codeOf = async (res: Response): Promise<unknown> => Reflect.get(Object((await jsonOf(res)).error), 'code');

async function publishOne(t: TestCentre): Promise<number> {
  const rows = [{ algorithm: 'pdq', hash: randomBytes(32).toString('hex'), category: 'A1', reference: 'r' }];
  const submitted = await t.request('POST', '/v1/indicators', t.tokens.authority, JSON.stringify(rows), 'application/json');
  const { batchId } = await jsonOf(submitted);
  expect((await t.request('POST', `/v1/batches/${String(batchId)}/approve`, t.tokens.operator)).status).toBe(200);
  const published = await t.request('POST', '/v1/publish', t.tokens.operator);
  expect(published.status).toBe(201);
  return Number((await jsonOf(published)).version);
}

/** Rows this connection inserted, updated or deleted since it opened: the Centre writes through no other. */
const totalChanges = (t: TestCentre): unknown => t.centre.db.prepare('SELECT total_changes() AS n').get();

describe('feed snapshots', () => {
  let t: TestCentre | undefined;
  const start = (overrides: Partial<CentreConfig> = {}): TestCentre => {
    t = createTestCentre(overrides);
    return t;
  };
  afterEach(() => {
    t?.centre.close();
    if (t !== undefined) rmSync(t.dataDir, { recursive: true, force: true });
    t = undefined;
  });

  describe('when a provider reads snapshots of past and latest versions', () => {
    it('writes nothing: no log leaf, no database change', async () => {
      const c = start();
      for (let i = 0; i < 3; i++) await publishOne(c);
      const size = c.centre.log.size();
      const changes = totalChanges(c);
      for (const path of ['/v1/feed/snapshot?version=1', '/v1/feed/snapshot?version=2', '/v1/feed/snapshots/3', '/v1/feed/snapshot', '/v1/feed/snapshot?version=1']) {
        const res = await c.request('GET', path, c.tokens.provider);
        expect(res.status).toBe(200);
      }
      expect(c.centre.log.size()).toBe(size);
      expect(totalChanges(c)).toEqual(changes);
    });

    it('serves the snapshot logged at publication, byte for byte', async () => {
      const c = start();
      const version = await publishOne(c);
      const index = c.centre.log.leafIndex('snapshot', version);
      const envelope = await bytesOf(await c.request('GET', '/v1/feed/snapshot', c.tokens.provider));
      expect(index).toBeDefined();
      expect(c.centre.log.leaves(index ?? 0, 1)[0]?.leafHash).toEqual(hashLeaf(envelope));
    });
  });

  describe('when more versions are published than are kept', () => {
    it('keeps the latest envelopes and answers 410 SNAPSHOT_GONE for older ones, whose log leaves stay', async () => {
      const c = start({ snapshotsKept: 2 });
      for (let i = 0; i < 4; i++) await publishOne(c);
      const kept = c.centre.db.prepare<[], { version: number }>('SELECT version FROM snapshots ORDER BY version').all();
      expect(kept.map((r) => r.version)).toEqual([3, 4]);
      const gone = await c.request('GET', '/v1/feed/snapshot?version=1', c.tokens.provider);
      expect(gone.status).toBe(410);
      expect(await codeOf(gone)).toBe('SNAPSHOT_GONE');
      expect(c.centre.log.leafIndex('snapshot', 1)).toBeDefined();
      const proof = await c.request('GET', `/v1/log/proof/inclusion?version=1&kind=snapshot&size=${c.centre.log.size()}`);
      expect(proof.status).toBe(200);
      expect((await c.request('GET', '/v1/feed/snapshots/3', c.tokens.provider)).status).toBe(200);
    });

    it('never lets the latest snapshot be deleted', async () => {
      const c = start({ snapshotsKept: 1 });
      await publishOne(c);
      expect(() => c.centre.db.prepare('DELETE FROM snapshots WHERE version = 1').run()).toThrow(/latest snapshot/);
    });
  });

  describe('when an up-to-date Centre is opened again', () => {
    it('writes nothing on open', async () => {
      const c = start({ snapshotsKept: 1 });
      for (let i = 0; i < 2; i++) await publishOne(c);
      c.centre.close();
      const reopened = openCentre(c.dataDir, c.clock.now, {});
      try {
        expect(reopened.db.prepare('SELECT total_changes() AS n').get()).toEqual({ n: 0 });
        expect(reopened.publisher.snapshot(2).logIndex).toBe(3);
      } finally {
        reopened.close();
      }
    });
  });

  describe('when a version has not been published', () => {
    it('answers 404 NOT_PUBLISHED', async () => {
      const c = start();
      await publishOne(c);
      const res = await c.request('GET', '/v1/feed/snapshots/2', c.tokens.provider);
      expect(res.status).toBe(404);
      expect(await codeOf(res)).toBe('NOT_PUBLISHED');
    });
  });
});
