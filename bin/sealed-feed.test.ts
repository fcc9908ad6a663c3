import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessError, AccessRing } from '../client/access/index.ts';
import { openReplicaDatabase } from '../client/replica/database.ts';
import { Replica } from '../client/replica/replica.ts';
import { createSidecar, type Sidecar } from '../client/sidecar/sidecar.ts';
import { readSecretFile, decodeEnvelope } from '../shared/crypto/index.ts';
import { getAlgorithm } from '../shared/hashing/registry.ts';
import { decodeSealedObject, encryptionPublicKeyOf, epochKeyCommitment, openSealedObject, parseEncryptionPrivateKey, SealError, type SealCode } from '../shared/seal/index.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { decodeRootList } from '../shared/wire/delta-chain.ts';
import { exportFeed } from '../server/export.ts';
import { findNginx, startNginx } from '../server/testing/nginx.ts';
import { pinnedStore } from './testing/centre-roots.ts';
import { entitleSidecar } from './testing/feed-access.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
import { sidecarConfigFor } from './testing/sidecar-config.ts';

const dirs = tempDirs();
const nginx = findNginx();
const HOUR = 3_600_000;

interface Provider {
  readonly name: string;
  readonly token: string;
  readonly dataDir: string;
  readonly sidecar: Sidecar;
  /** Every URL the sidecar asked for. */
  readonly requests: string[];
}

async function call(centre: LoopbackCentre, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${centre.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const json: unknown = await res.json();
  return { status: res.status, json: typeof json === 'object' && json !== null ? Object.fromEntries(Object.entries(json)) : {} };
}

function randomRows(n: number): { algorithm: string; hash: string }[] {
  return Array.from({ length: n }, (_, i) => (i % 4 === 3 ? { algorithm: 'md5', hash: randomBytes(16).toString('hex') } : { algorithm: 'pdq', hash: randomBytes(32).toString('hex') }));
}

/** Exported files holding any of the hashes, as raw bytes or hex in either case. */
function filesHoldingHashes(root: string, rows: readonly { algorithm: string; hash: string }[]): string[] {
  const needles = rows.flatMap((r) => {
    const raw = Buffer.from(getAlgorithm(r.algorithm).parse(r.hash));
    return [raw, Buffer.from(raw.toString('hex')), Buffer.from(raw.toString('hex').toUpperCase()), Buffer.from(raw.toString('base64'))];
  });
  const holding: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (needles.some((n) => readFileSync(path).includes(n))) holding.push(path);
    }
  };
  walk(root);
  return holding;
}

async function sealCode(run: () => Promise<unknown>): Promise<SealCode | 'none'> {
  try {
    await run();
    return 'none';
  } catch (err) {
    if (err instanceof SealError) return err.code;
    throw err;
  }
}

describe.skipIf(nginx === null)('the sealed feed, end to end through an nginx mirror', () => {
  const sidecars: Sidecar[] = [];
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const sidecar of sidecars.splice(0)) await sidecar.stop();
    for (const stop of stops.splice(0)) await stop();
    await stopLoopbackCentres();
    dirs.removeAll();
  });

  it('holds no plaintext hash; entitles by order; a lapsed provider cannot read the next epoch while another can; a provider without an order syncs nothing', async () => {
    const centre = await startLoopbackCentre({ accessPolicy: 'order' });
    const first = randomRows(24);
    await centre.publish(first);

    const now = Date.now();
    const provider = async (name: string, withOrder: boolean): Promise<Provider> => {
      let token = centre.tokens.provider;
      if (name !== 'example-host') {
        expect((await call(centre, centre.tokens.admin, 'POST', '/v1/accounts', { name, role: 'provider' })).status).toBe(201);
        token = String((await call(centre, centre.tokens.admin, 'POST', `/v1/accounts/${name}/tokens`, {})).json.token);
      }
      if (withOrder) {
        const order = { orderId: `SEAL-${name}`, issuingAuthority: 'Amtsgericht Köln', legalReference: `Az. ${name}`, provider: name, surfaces: ['uploads'], targets: { users: ['alice'], groups: [], channels: [] }, notBefore: now - 1000, notAfter: now + HOUR, memberState: 'DE' };
        expect((await call(centre, centre.tokens.operator, 'POST', '/v1/orders', order)).status).toBe(201);
      }
      const dataDir = dirs.make(`hf-sealed-${name}-`);
      const requests: string[] = [];
      const recording: typeof fetch = (input, init) => {
        requests.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
        return fetch(input, init);
      };
      const sidecar = await createSidecar({ config: sidecarConfigFor(centre, dataDir, { provider: name, providerToken: token, centre: mirrorUrl, mode: 'mirror', reportTo: centre.url }), fetch: recording, logger: pino({ level: 'silent' }) });
      sidecars.push(sidecar);
      await entitleSidecar(centre, sidecar, name);
      return { name, token, dataDir, sidecar, requests };
    };

    // The export, served by a real nginx with no authentication at all, holds no hash in the clear.
    const out = dirs.make('hf-sealed-export-');
    exportFeed(centre.running.centre, out, Date.now());
    expect(filesHoldingHashes(out, first)).toEqual([]);
    // The scan itself finds a hash where one is (a plaintext delta would be caught).
    const control = dirs.make('hf-sealed-control-');
    writeFileSync(join(control, 'plain'), Buffer.concat([randomBytes(40), Buffer.from(getAlgorithm('pdq').parse(first[0]?.hash ?? '')), randomBytes(40)]));
    expect(filesHoldingHashes(control, first)).toHaveLength(1);
    const mirror = await startNginx(nginx ?? 'nginx', out, dirs.make('hf-sealed-nginx-'));
    stops.push(() => mirror.stop());
    const mirrorUrl = mirror.url;

    const lapsing = await provider('example-host', true);
    const staying = await provider('second-host', true);
    const orderless = await provider('third-host', false);

    // With an order in force: the provider syncs the ciphertext from nginx and decrypts it.
    for (const p of [lapsing, staying]) {
      expect(await p.sidecar.syncOnce()).toMatchObject({ version: 1 });
      expect(p.sidecar.health()).toMatchObject({ status: 'ok' });
      expect(p.sidecar.replica.state().version).toBe(1);
    }
    // Without one: health says why, and not one feed object was fetched.
    expect(await orderless.sidecar.syncOnce()).toMatchObject({ version: 0 });
    expect(orderless.sidecar.health()).toMatchObject({ status: 'no_access', noAccessReason: 'NO_ACTIVE_ORDER' });
    expect(orderless.requests.filter((url) => url.startsWith(mirrorUrl) && /\/v1\/feed\/(deltas|snapshot)/.test(url))).toEqual([]);

    // What the lapsing provider holds for epoch 1, opened by the real trusted store from its own key file.
    const privateKey = parseEncryptionPrivateKey(readSecretFile(join(lapsing.dataDir, 'encryption.key')));
    const replicaDb = openReplicaDatabase(join(dirs.make('hf-sealed-probe-'), 'replica.db'));
    stops.push(async () => {
      replicaDb.close();
    });
    const ring = new AccessRing(replicaDb, { provider: 'example-host', privateKey, publicKey: await encryptionPublicKeyOf(privateKey) });
    const probe = pinnedStore(new Replica(replicaDb), centre.rootKey, { access: ring });
    probe.acceptRoots(decodeRootList(new Uint8Array(await (await fetch(`${mirrorUrl}/v1/feed/keys`)).arrayBuffer()), 1 << 22));
    const accessWhileEntitled = new Uint8Array(await (await fetch(`${centre.url}/v1/feed/access`, { headers: { authorization: `Bearer ${lapsing.token}` } })).arrayBuffer());
    await probe.acceptAccessList(accessWhileEntitled, Date.now());
    const epochOneKey = ring.keyFor(1);
    expect(epochOneKey).toBeDefined();

    // The order ends early; the next publication starts a new epoch.
    expect((await call(centre, centre.tokens.operator, 'POST', `/v1/orders/SEAL-example-host/end`, { reason: 'Court lifted the order' })).status).toBe(200);
    const second = randomRows(8);
    expect(await centre.publish(second)).toBe(2);
    exportFeed(centre.running.centre, out, Date.now());
    expect(filesHoldingHashes(out, [...first, ...second])).toEqual([]);

    const delta = new Uint8Array(await (await fetch(`${mirrorUrl}/v1/feed/deltas/2`)).arrayBuffer());
    const sealed = decodeSealedObject('delta', decodeEnvelope(delta, delta.byteLength).payload, delta.byteLength);
    expect(sealed.epoch).toBe(2);
    // The key it held opens nothing published after: refused by the commitment, and by AES-GCM even past it.
    expect(await sealCode(() => openSealedObject(sealed, epochOneKey ?? new Uint8Array(32)))).toBe('SEAL_KEY_MISMATCH');
    expect(await sealCode(() => openSealedObject({ ...sealed, keyCommitment: epochKeyCommitment(sealed.feed, sealed.epoch, epochOneKey ?? new Uint8Array(32)) }, epochOneKey ?? new Uint8Array(32)))).toBe('SEAL_BROKEN');

    // The lapsed sidecar: no access, keeps its replica at version 1; the other reads version 2.
    expect(await lapsing.sidecar.syncOnce()).toMatchObject({ version: 1 });
    expect(lapsing.sidecar.health()).toMatchObject({ status: 'no_access', noAccessReason: 'NO_ACTIVE_ORDER' });
    expect(lapsing.sidecar.replica.state().version).toBe(1);
    expect(await staying.sidecar.syncOnce()).toMatchObject({ version: 2, appliedDeltas: 1 });
    expect(staying.sidecar.health()).toMatchObject({ status: 'ok' });

    // A replayed access list (the one from while it was entitled, after a newer one) is refused.
    const accessAfter = new Uint8Array(await (await fetch(`${centre.url}/v1/feed/access`, { headers: { authorization: `Bearer ${lapsing.token}` } })).arrayBuffer());
    await probe.acceptAccessList(accessAfter, Date.now());
    await expect(probe.acceptAccessList(accessWhileEntitled, Date.now())).rejects.toMatchObject({ code: 'ACCESS_ROLLBACK' });
    // Another provider's list, with wraps for that provider's keys, is refused before any wrap is opened.
    const othersList = new Uint8Array(await (await fetch(`${centre.url}/v1/feed/access`, { headers: { authorization: `Bearer ${staying.token}` } })).arrayBuffer());
    await expect(probe.acceptAccessList(othersList, Date.now())).rejects.toBeInstanceOf(AccessError);
    await expect(probe.acceptAccessList(othersList, Date.now())).rejects.toMatchObject({ code: 'ACCESS_WRONG_PROVIDER' });

    // Every grant, wrap and fetch is in the access log with the order that justified it.
    const log = await call(centre, centre.tokens.operator, 'GET', '/v1/access-log?limit=1000');
    const entries = Array.isArray(log.json.entries) ? log.json.entries : [];
    const basisOf = (event: string, name: string): unknown[] => entries.filter((e: unknown) => typeof e === 'object' && e !== null && Reflect.get(e, 'event') === event && Reflect.get(e, 'provider') === name).map((e: unknown) => (typeof e === 'object' && e !== null ? Reflect.get(e, 'basis') : undefined));
    expect(basisOf('wrap', 'second-host').length).toBeGreaterThanOrEqual(2);
    expect(new Set(basisOf('wrap', 'second-host'))).toEqual(new Set(['SEAL-second-host']));
    expect(basisOf('wrap', 'third-host')).toEqual([]);
    expect(basisOf('end', 'example-host').length).toBe(1);
  }, 60_000);
});
