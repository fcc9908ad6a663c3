import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createSidecar, type Sidecar } from '../client/sidecar/sidecar.ts';
import { decodeEnvelope } from '../shared/crypto/index.ts';
import { SEALED_PAYLOAD_TYPES } from '../shared/seal/index.ts';
import { openCentre } from '../server/centre.ts';
import { exportFeed } from '../server/export.ts';
import { entitleSidecar } from './testing/feed-access.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
import { sidecarConfigFor } from './testing/sidecar-config.ts';
import { startStaticMirror, type StaticMirror } from './testing/static-mirror.ts';

describe('a sidecar syncing from a static mirror', () => {
  let centre: LoopbackCentre | undefined;
  let mirror: StaticMirror | undefined;
  let sidecar: Sidecar | undefined;
  const dirs: string[] = [];
  const tempDir = (prefix: string): string => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await sidecar?.stop();
    await mirror?.stop();
    await stopLoopbackCentres();
    sidecar = mirror = centre = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  describe('when reportTo names the Centre', () => {
    it('fetches sealed feed objects from the mirror without credentials, and its access list and orders from the Centre with the token', async () => {
      // Policy `order`, the Centre's default: the order below is what entitles the provider to the epoch key.
      centre = await startLoopbackCentre({ accessPolicy: 'order' });
      const hash = randomBytes(32);
      await centre.publish([{ algorithm: 'pdq', hash: hash.toString('hex') }]);
      const now = Date.now();
      const order = { orderId: 'MIRROR-1', issuingAuthority: 'DE-BKA', legalReference: 'Test order', provider: 'example-host', surfaces: ['uploads'], targets: { users: ['alice'], groups: [], channels: [] }, notBefore: now - 1000, notAfter: now + 3_600_000 };
      const registered = await fetch(`${centre.url}/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${centre.tokens.operator}`, 'content-type': 'application/json' }, body: JSON.stringify(order) });
      expect(registered.status).toBe(201);
      const out = tempDir('hf-mirror-');
      const offline = openCentre(centre.dataDir, now, {});
      try {
        exportFeed(offline, out, now);
      } finally {
        offline.close();
      }
      mirror = await startStaticMirror(out);
      const dataDir = tempDir('hf-mirror-sidecar-');
      const config = sidecarConfigFor(centre, dataDir, { centre: mirror.url, mode: 'mirror', reportTo: centre.url });
      sidecar = await createSidecar({ config, logger: pino({ level: 'silent' }) });
      // Keys are registered with the Centre (reportTo), never with the mirror.
      await entitleSidecar(centre, sidecar);

      expect(await sidecar.syncOnce()).toMatchObject({ version: 1 });
      expect(sidecar.health()).toMatchObject({ status: 'ok', replicaVersion: 1 });
      expect(sidecar.replica.size()).toBe(1);
      expect(mirror.requests.map((r) => r.path)).toContain('/v1/feed/timestamp');
      expect(mirror.requests.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
      expect(mirror.requests.filter((r) => JSON.stringify(r.headers).includes(centre?.tokens.provider ?? '?'))).toEqual([]);

      // What the mirror served is ciphertext: every feed object a sealed envelope, no byte of it the published hash.
      const served = [...new Set(mirror.requests.map((r) => r.path))].map((path) => join(out, path)).filter((file) => existsSync(file));
      const feedObjects = served.filter((file) => /\/v1\/feed\/(deltas\/\d+|snapshots\/\d+|snapshot)$/.test(file));
      expect(feedObjects.length).toBeGreaterThan(0);
      for (const file of feedObjects) expect(Object.values(SEALED_PAYLOAD_TYPES)).toContain(decodeEnvelope(readFileSync(file)).payloadType);
      for (const file of served) {
        const bytes = readFileSync(file);
        for (const form of [hash, Buffer.from(hash.toString('hex')), Buffer.from(hash.toString('base64'))]) expect(bytes.includes(form), file).toBe(false);
      }

      // The epoch key came in the access list from the Centre, justified by the order: the mirror was never asked for it.
      expect(mirror.requests.map((r) => r.path)).not.toContain('/v1/feed/access');
      const log = await fetch(`${centre.url}/v1/access-log?provider=example-host&event=fetch`, { headers: { authorization: `Bearer ${centre.tokens.operator}` } });
      expect(await log.json()).toMatchObject({ entries: [{ provider: 'example-host', event: 'fetch', basis: 'MIRROR-1', epochs: [1] }] });
      // The order list came from the Centre, with the token: the order applies.
      expect(sidecar.policy.decideScan({ surfaceId: 'uploads', subject: 'user:alice', now: Date.now() })).toMatchObject({ allowed: true });
    });
  });
});
