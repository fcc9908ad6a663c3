import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { sidecarConfigFor } from './testing/sidecar-config.ts';
import { createSidecar, type Sidecar } from '../client/sidecar/sidecar.ts';
import { openCentre } from '../server/centre.ts';
import { exportFeed } from '../server/export.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
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
    it('fetches feed objects from the mirror without credentials, and orders from the Centre with the token', async () => {
      centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: randomBytes(32).toString('hex') }]);
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

      expect(await sidecar.syncOnce()).toMatchObject({ version: 1 });
      expect(mirror.requests.map((r) => r.path)).toContain('/v1/feed/timestamp');
      expect(mirror.requests.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
      expect(mirror.requests.filter((r) => JSON.stringify(r.headers).includes(centre?.tokens.provider ?? '?'))).toEqual([]);
      // The order list came from the Centre, with the token: the order applies.
      expect(sidecar.policy.decideScan({ surfaceId: 'uploads', subject: 'user:alice', now: Date.now() })).toMatchObject({ allowed: true });
    });
  });
});
