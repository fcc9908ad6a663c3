import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Matcher } from '../client/match/matcher.ts';
import { openReplicaDatabase } from '../client/replica/database.ts';
import { Replica } from '../client/replica/replica.ts';
import { HttpFeedSource } from '../client/sync/feed-source.ts';
import { Syncer } from '../client/sync/syncer.ts';
import { serveCentre, type RunningCentre } from '../server/main.ts';
import { pinnedStore } from './testing/centre-roots.ts';
import { AccessRing, registerEncryptionKey } from '../client/access/index.ts';
import { fetchAccess } from '../client/sync/fetch-access.ts';
import { generateSigningKey } from '../shared/crypto/index.ts';
import { generateEncryptionKeyPair } from '../shared/seal/index.ts';
import { randomSource } from '../shared/match/testing/synthetic.ts';
import { videoIndicatorValue } from '../shared/video-match/index.ts';
import { nearCopy, randomFrames } from '../shared/video-match/testing/frame-lists.ts';

const FIXTURE = join(import.meta.dirname, '../server/testing/fixtures/centre-schema-2');
/** Inside the fixture's signing-key validity (it was written at 2026-11-01T00:00Z). */
const NOW = Date.UTC(2026, 10, 2);
const DAY = 86_400_000;

describe('a Centre data folder from before snapshots were made at publication', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('migrates on open, and a sidecar bootstraps and recovers from it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hf-e2e-legacy-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    cpSync(FIXTURE, dataDir, { recursive: true });
    // A checkout does not keep file modes; the Centre refuses private keys readable by others.
    for (const name of readdirSync(join(dataDir, 'keys'))) chmodSync(join(dataDir, 'keys', name), 0o600);
    const running: RunningCentre = await serveCentre({ dataDir, port: 0, clock: () => NOW, logger: pino({ level: 'silent' }) });
    cleanup.push(() => running.close());
    const { centre } = running;
    // The latest version had no snapshot: it was made once, on open.
    expect(centre.log.leafIndex('snapshot', 3)).toBe(5);
    expect(centre.publisher.snapshot(3).logIndex).toBe(5);
    // Then it published one empty, sealed version, which began the first epoch (PROTOCOL 13.7).
    expect(centre.epochs.current()).toMatchObject({ epoch: 1, version: 4, reason: 'first' });
    expect(centre.publisher.version(4)).toMatchObject({ active: 9 });

    const replicaDir = mkdtempSync(join(tmpdir(), 'hf-e2e-replica-'));
    cleanup.push(() => rmSync(replicaDir, { recursive: true, force: true }));
    const db = openReplicaDatabase(join(replicaDir, 'replica.db'));
    cleanup.push(() => db.close());
    const replica = new Replica(db);
    const matcher = await Matcher.create(replica.entries());
    const alerts: string[] = [];
    const token = readFileSync(join(dataDir, 'provider-token.txt'), 'utf8').trim();
    // What the provider and the Centre's operator do before the sealed feed can be read (PROTOCOL 13.4, 13.5), under the
    // folder's policy (`order`, the default): a detection order in force; the provider's report key, approved; its encryption key.
    const operatorToken = centre.write(() => centre.accounts.issueToken(centre.accounts.ensure('centre-op', 'operator', NOW).account.id, null, NOW).token);
    const call = async (method: string, path: string, bearer: string, body: unknown): Promise<Response> =>
      fetch(`${running.url}${path}`, { method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const order = { orderId: 'DE-1', issuingAuthority: 'Amtsgericht Berlin', legalReference: 'AG 1/26', provider: 'example-host', surfaces: ['uploads'], targets: { users: [], groups: ['g-1'], channels: [] }, notBefore: NOW - DAY, notAfter: NOW + 90 * DAY };
    expect((await call('POST', '/v1/orders', operatorToken, order)).status).toBe(201);
    const reportKey = generateSigningKey('hashfeed/test-sidecar');
    expect((await call('POST', '/v1/provider/keys', token, { verifierKey: reportKey.verifier.text })).status).toBe(201);
    expect((await call('POST', `/v1/provider/keys/${reportKey.verifier.keyIdHex}/approve`, operatorToken, { provider: 'example-host', verifierKey: reportKey.verifier.text })).status).toBe(200);
    const pair = await generateEncryptionKeyPair();
    expect(await registerEncryptionKey({ baseUrl: running.url, token, fetch, provider: 'example-host', publicKey: pair.publicKey, reportKey, now: NOW })).toMatchObject({ status: 'active' });
    const ring = new AccessRing(db, { provider: 'example-host', privateKey: pair.privateKey, publicKey: pair.publicKey });
    const source = new HttpFeedSource({ baseUrl: running.url, mode: 'centre', token, fetch: async (url, init) => {
      const res = await fetch(url, init);
      return { status: res.status, headers: res.headers, body: res.body };
    }, limits: { snapshotBytes: 1 << 20, deltaBytes: 1 << 20 } });
    const rootKey = centre.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'root_verifier_key'").get()?.value ?? '';
    const store = pinnedStore(replica, rootKey, { access: ring });
    const checkAccess = async (): Promise<string | null> => {
      await fetchAccess({ baseUrl: running.url, token, fetch, store, now: NOW });
      return ring.noAccessReason();
    };
    const syncer = new Syncer({ source, replica, store, clock: () => NOW, onApplied: (c) => matcher.apply(c), alert: (code) => alerts.push(code), checkAccess });
    expect(await syncer.syncOnce()).toMatchObject({ version: 4 });
    expect(replica.size()).toBe(9);

    // Damage the replica, publish once more: the sidecar notices and rebuilds from the new snapshot.
    db.prepare('DELETE FROM indicators WHERE id = (SELECT min(id) FROM indicators)').run();
    const authority = centre.write(() => centre.accounts.ensure('DE-BKA', 'authority', NOW).account.id);
    const operator = centre.write(() => centre.accounts.ensure('centre-op', 'operator', NOW).account.id);
    centre.write(() => {
      const { batchId } = centre.indicators.submit(authority, [{ algorithm: 'pdq', hash: new Uint8Array(32).fill(0x77), category: 'A1', reference: 'later' }], NOW, 1);
      centre.indicators.approveBatch(batchId, operator, NOW);
    });
    centre.publisher.publish('centre-op', NOW);
    // Versions published before keep their version 1 digests; the first one after migration (the sealed one of opening) starts version 2 (PROTOCOL 8.4).
    expect([3, 4, 5].map((v) => centre.publisher.version(v)?.stateDigestVersion)).toEqual([1, 2, 2]);
    expect(await syncer.syncOnce()).toMatchObject({ version: 5, snapshot: true });
    expect(alerts).toContain('SYNC_DIGEST_MISMATCH');
    expect(replica.size()).toBe(10);
    // The lazily built snapshot of version 1 is past the three kept; its log leaf stays.
    expect(centre.db.prepare<[], { version: number }>('SELECT version FROM snapshots ORDER BY version').all().map((r) => r.version)).toEqual([3, 4, 5]);
    expect(centre.log.leafIndex('snapshot', 1)).toBe(1);

    // Video arrives (docs/PROTOCOL.md 8.1): its centre.json predates publishVideoIndicators, so an approved video is held ...
    const frames = randomFrames(20, randomSource(3));
    centre.write(() => {
      const { batchId } = centre.indicators.submit(authority, [{ algorithm: 'vpdq', hash: videoIndicatorValue(frames), category: 'A1', reference: 'video' }], NOW, 1);
      centre.indicators.approveBatch(batchId, operator, NOW);
    });
    expect(centre.publisher.plan(NOW)).toMatchObject({ publishable: false, heldVideo: 1 });
    // ... until the operator turns it on and restarts; the replica then takes it as a delta and matches a re-encoded copy.
    const configFile = join(dataDir, 'centre.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), publishVideoIndicators: true }));
    await running.close();
    const reopened = await serveCentre({ dataDir, port: Number(new URL(running.url).port), clock: () => NOW, logger: pino({ level: 'silent' }) });
    cleanup.push(() => reopened.close());
    expect(reopened.centre.publisher.publish('centre-op', NOW)).toMatchObject({ version: 6, adds: 1 });
    // A pooled keep-alive socket may still point at the Centre before its restart: the first round may fail on it, the next goes through.
    expect(await syncer.syncOnce().catch(() => syncer.syncOnce())).toMatchObject({ version: 6, snapshot: false });
    expect(matcher.matchVideo(nearCopy(frames, 10, randomSource(4)))).toMatchObject([{ candidateShare: 1 }]);
  });
});
