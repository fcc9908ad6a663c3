import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../shared/crypto/index.ts';
import { SEALED_DELTA_PAYLOAD_TYPE, SEALED_SNAPSHOT_PAYLOAD_TYPE } from '../../shared/seal/index.ts';
import { codeOf } from '../../shared/testing/code-of.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { DELTA_PAYLOAD_TYPE } from '../../shared/wire/delta.ts';
import { createApp } from '../app.ts';
import { openCentre, type Centre } from '../centre.ts';
import { exportFeed } from '../export.ts';
import { keysDir } from '../keys/online-keys.ts';
import { enrolProvider, fetchAccessList, unwrapAll } from '../testing/access-fixture.ts';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { EPOCH_WRAP_KEY_ENV } from './epoch-wrap-key.ts';

const dirs = tempDirs();
let t: TestCentre | undefined;
const opened: Centre[] = [];
afterEach(async () => {
  for (const centre of opened.splice(0)) centre.close();
  await t?.centre.wraps.settled();
  t?.close();
  t = undefined;
  dirs.removeAll();
});

const wrapKeyFiles = (dataDir: string): string[] => readdirSync(keysDir(dataDir)).filter((n) => n.startsWith('epoch-wrap-'));

function reopen(dataDir: string, now: number, env: NodeJS.ProcessEnv = {}): Centre {
  const centre = openCentre(dataDir, now, env);
  opened.push(centre);
  return centre;
}

describe('epoch keys on the Centre', () => {
  describe('when a Centre is initialised and publishes', () => {
    it('keeps a 0600 key-wrapping key file, and stores the epoch key only sealed under it, nowhere in the clear', async () => {
      t = createTestCentre({ accessPolicy: 'account' });
      const [file, ...others] = wrapKeyFiles(t.dataDir);
      expect(others).toEqual([]);
      expect(file).toMatch(/^epoch-wrap-[0-9a-f]{8}\.key$/);
      const path = join(keysDir(t.dataDir), file ?? '');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, 'utf8')).toMatch(/^hashfeed-epoch-wrap-key-v1:[A-Za-z0-9+/]{43}=\n$/);

      const provider = await enrolProvider(t, 'example-host');
      await publishIndicators(t, 1);
      const epochKey = Buffer.from((await unwrapAll(t, provider, await fetchAccessList(t, provider.token))).get(1) ?? []);
      expect(epochKey.byteLength).toBe(32);
      t.centre.db.pragma('wal_checkpoint(TRUNCATE)');
      for (const name of readdirSync(t.dataDir, { recursive: true }).map(String)) {
        const full = join(t.dataDir, name);
        if (!statSync(full).isFile()) continue;
        const bytes = readFileSync(full);
        expect(bytes.includes(epochKey), name).toBe(false);
        expect(bytes.includes(Buffer.from(epochKey.toString('base64'))), name).toBe(false);
        expect(bytes.includes(Buffer.from(epochKey.toString('hex'))), name).toBe(false);
      }
    });
  });

  describe('when the key-wrapping key is held in HASHFEED_EPOCH_WRAP_KEY', () => {
    it('opens with the variable alone, and refuses the variable and a key file together', async () => {
      t = createTestCentre();
      await publishIndicators(t, 1);
      const [file] = wrapKeyFiles(t.dataDir);
      const path = join(keysDir(t.dataDir), file ?? '');
      const text = readFileSync(path, 'utf8');
      expect(codeOf(() => reopen(t?.dataDir ?? '', t?.clock.now ?? 0, { [EPOCH_WRAP_KEY_ENV]: text }))).toBe('EPOCH_WRAP_KEY_AMBIGUOUS');
      rmSync(path);
      const centre = reopen(t.dataDir, t.clock.now, { [EPOCH_WRAP_KEY_ENV]: text });
      expect(centre.epochs.current()?.epoch).toBe(1);
      expect(centre.epochs.keyOf(1)).toBeInstanceOf(Uint8Array);
      expect(centre.publisher.latestVersion()).toBe(1);
    });
  });

  describe('when the key-wrapping key is lost', () => {
    it('makes a new one on open, records it, and starts a new epoch at once; wraps already made are still served', async () => {
      t = createTestCentre({ accessPolicy: 'account' });
      const provider = await enrolProvider(t, 'example-host');
      await publishIndicators(t, 1);
      await fetchAccessList(t, provider.token);
      const [lost] = wrapKeyFiles(t.dataDir);
      rmSync(join(keysDir(t.dataDir), lost ?? ''));

      t.clock.now += 60_000;
      const centre = reopen(t.dataDir, t.clock.now);
      const [made, ...others] = wrapKeyFiles(t.dataDir);
      expect(others).toEqual([]);
      expect(made).not.toBe(lost);
      expect(centre.epochs.keyOf(1)).toBeUndefined();
      expect(centre.epochs.current()).toMatchObject({ epoch: 2, reason: 'key-unreadable', version: 2 });
      expect(centre.publisher.version(2)).toMatchObject({ adds: 0, removes: 0, epoch: 2 });
      const audit = centre.audit.page(0, 1000).filter((e) => e.action === 'epoch-wrap-key.create');
      expect(audit).toHaveLength(2);
      expect(audit[1]?.detail).toMatchObject({ consequence: expect.stringContaining('new epoch') });

      const app = createApp({ centre, clock: () => t?.clock.now ?? 0 });
      const res = await app.request('/v1/feed/access', { headers: { authorization: `Bearer ${provider.token}` } });
      expect(res.status).toBe(200);
      const list = await fetchAccessList({ ...t, app, request: async (method, path, token) => app.request(path, { method, headers: { authorization: `Bearer ${token ?? ''}` } }) }, provider.token);
      expect(list.keys.map((k) => k.epoch)).toEqual([2, 1]);
      await centre.wraps.settled();
    });
  });

  describe('epoch-rotate', () => {
    it('starts a new epoch at the next publication when requested, and with --publish publishes an empty version for it', async () => {
      t = createTestCentre();
      await publishIndicators(t, 1);
      t.centre.write(() => t?.centre.epochs.requestRotation('operator asked', t.clock.now));
      const result = t.centre.publisher.publish('cli', t.clock.now);
      expect(result).toMatchObject({ version: 2, adds: 0, epoch: 2, epochBegan: 'requested' });
      expect(t.centre.epochs.rotationRequested()).toBe(false);
      expect(codeOf(() => t?.centre.publisher.publish('cli', t.clock.now))).toBe('NOTHING_TO_PUBLISH');
    });
  });
});

/** A data folder written before sealing: three plaintext versions (docs/PROTOCOL.md 13.7). */
const FIXTURE = join(import.meta.dirname, '../testing/fixtures/centre-schema-2');
const FIXTURE_NOW = Date.UTC(2026, 10, 2);

describe('a data folder from before sealing', () => {
  function copyFixture(): { dataDir: string; token: string } {
    const dataDir = dirs.make('hf-presealed-');
    cpSync(FIXTURE, dataDir, { recursive: true });
    for (const name of readdirSync(join(dataDir, 'keys'))) chmodSync(join(dataDir, 'keys', name), 0o600);
    return { dataDir, token: readFileSync(join(dataDir, 'provider-token.txt'), 'utf8').trim() };
  }

  it('publishes one empty sealed version when opened, keeping the plaintext ones in the log', () => {
    const { dataDir } = copyFixture();
    const centre = reopen(dataDir, FIXTURE_NOW);
    expect(centre.publisher.versions().map((v) => [v.version, v.epoch])).toEqual([
      [1, null],
      [2, null],
      [3, null],
      [4, 1],
    ]);
    expect(centre.publisher.version(4)).toMatchObject({ adds: 0, removes: 0, active: centre.publisher.version(3)?.active });
    expect(decodeEnvelope(centre.publisher.deltaEnvelope(4) ?? new Uint8Array()).payloadType).toBe(SEALED_DELTA_PAYLOAD_TYPE);
    expect(decodeEnvelope(centre.publisher.snapshot(4).envelope).payloadType).toBe(SEALED_SNAPSHOT_PAYLOAD_TYPE);
    expect(decodeEnvelope(centre.publisher.deltaEnvelope(3) ?? new Uint8Array()).payloadType).toBe(DELTA_PAYLOAD_TYPE);
    expect(centre.epochs.current()).toMatchObject({ epoch: 1, reason: 'first', version: 4 });
    // Opened again, it publishes nothing more.
    centre.close();
    opened.splice(opened.indexOf(centre), 1);
    expect(reopen(dataDir, FIXTURE_NOW + 1000).publisher.latestVersion()).toBe(4);
  });

  it('serves its plaintext deltas only to a provider entitled now (ACCESS_DENIED otherwise), sealed ones to any provider', async () => {
    const { dataDir, token } = copyFixture();
    const centre = reopen(dataDir, FIXTURE_NOW);
    const app = createApp({ centre, clock: () => FIXTURE_NOW });
    const get = (path: string) => app.request(path, { headers: { authorization: `Bearer ${token}` } });
    const refused = await get('/v1/feed/deltas/2');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'ACCESS_DENIED' } });
    // A chain that would carry a plaintext delta is refused as a whole; one of sealed deltas only is served.
    expect(centre.publisher.snapshotAdvised(2)).toBe(false);
    expect((await get('/v1/feed/deltas?since=2')).status).toBe(403);
    expect((await get('/v1/feed/deltas/4')).status).toBe(200);
    expect((await get('/v1/feed/deltas?since=3')).status).toBe(200);
    expect((await get('/v1/feed/snapshot')).status).toBe(200);

    writeFileSync(join(dataDir, 'centre.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dataDir, 'centre.json'), 'utf8')), accessPolicy: 'account' }));
    const entitled = reopen(dataDir, FIXTURE_NOW);
    const entitledApp = createApp({ centre: entitled, clock: () => FIXTURE_NOW });
    expect((await entitledApp.request('/v1/feed/deltas/2', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('exports sealed objects only and deletes the plaintext ones an earlier export left', () => {
    const { dataDir } = copyFixture();
    const out = dirs.make('hf-presealed-export-');
    // What an export from before sealing left on the mirror.
    mkdirSync(join(out, 'v1/feed/deltas'), { recursive: true });
    mkdirSync(join(out, 'v1/feed/snapshots'), { recursive: true });
    for (const v of [1, 2, 3]) writeFileSync(join(out, `v1/feed/deltas/${v}`), 'plaintext');
    writeFileSync(join(out, 'v1/feed/snapshots/3'), 'plaintext');
    writeFileSync(join(out, 'v1/feed/snapshot'), 'plaintext');

    const centre = reopen(dataDir, FIXTURE_NOW);
    exportFeed(centre, out, FIXTURE_NOW);
    expect(readdirSync(join(out, 'v1/feed/deltas'))).toEqual(['4']);
    expect(readdirSync(join(out, 'v1/feed/snapshots'))).toEqual(['4']);
    expect(decodeEnvelope(new Uint8Array(readFileSync(join(out, 'v1/feed/snapshot')))).payloadType).toBe(SEALED_SNAPSHOT_PAYLOAD_TYPE);
    expect(existsSync(join(out, 'v1/feed/access'))).toBe(false);
  });
});
