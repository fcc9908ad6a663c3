import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateImage } from '../fixtures/index.ts';
import { getAlgorithm, hashImage } from '../shared/hashing/index.ts';
import { listenLocal } from '../client/sidecar/listen.ts';
import { createSidecar, type Sidecar } from '../client/sidecar/sidecar.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
import { sidecarConfigFor, TEST_LOCAL_TOKEN as LOCAL_TOKEN } from './testing/sidecar-config.ts';

const dirs = tempDirs();

describe('the sidecar local API, against a real Centre', () => {
  let centre: LoopbackCentre;
  let sidecar: Sidecar;
  let local: { address: string; close(): Promise<void> };
  let indicatorPicture: Buffer;
  let pdqHex: string;
  const DHASH_HEX = '8f0e1c3870e1c387';
  let md5Hex: string;

  const call = async (path: string, body: string | Uint8Array, type = 'application/json', token = LOCAL_TOKEN): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${local.address}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body });
    const json: unknown = await res.json();
    return { status: res.status, json: typeof json === 'object' && json !== null ? Object.fromEntries(Object.entries(json)) : {} };
  };

  beforeAll(async () => {
    centre = await startLoopbackCentre();
    indicatorPicture = await generateImage({ family: 'scenes', seed: 102, width: 640, height: 480, format: 'jpeg' });
    const { results } = await hashImage(indicatorPicture, { algorithms: ['pdq', 'md5'] });
    pdqHex = getAlgorithm('pdq').format(results[0]?.hash ?? new Uint8Array(32));
    md5Hex = getAlgorithm('md5').format(results[1]?.hash ?? new Uint8Array(16));
    await centre.publish([{ algorithm: 'pdq', hash: pdqHex, category: 'B2' }, { algorithm: 'md5', hash: md5Hex }, { algorithm: 'dhash64', hash: DHASH_HEX, category: 'B2' }]);
    const now = Date.now();
    const res = await fetch(`${centre.url}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${centre.tokens.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        orderId: 'API-TEST-1',
        issuingAuthority: 'DE-BKA',
        legalReference: 'Test order',
        provider: 'example-host',
        surfaces: ['uploads'],
        targets: { users: ['alice'], groups: ['g1'], channels: [] },
        notBefore: now - 1000,
        notAfter: now + 3_600_000,
      }),
    });
    expect(res.status).toBe(201);
    const dataDir = dirs.make('hf-api-');
    const config = sidecarConfigFor(centre, dataDir, {
      listen: '127.0.0.1:0',
      maxImageBytes: 2_000_000,
      surfaces: [
        { id: 'uploads', description: 'uploads', e2ee: false },
        { id: 'dm', description: 'encrypted direct messages', e2ee: true },
      ],
    });
    sidecar = await createSidecar({ config, logger: pino({ level: 'silent' }) });
    expect(await sidecar.registerKey()).toMatchObject({ status: 'pending' });
    expect(await centre.approveProviderKeys()).toBe(1);
    // Signed by the report key just approved: active at once, so the Centre wraps the feed's epoch key for it (PROTOCOL 13.5).
    expect(await sidecar.registerEncryptionKey()).toMatchObject({ status: 'active' });
    local = await listenLocal(sidecar.app, config.listen);
  });

  afterAll(async () => {
    try {
      await local?.close();
      await sidecar?.stop();
      await stopLoopbackCentres();
    } finally {
      dirs.removeAll();
    }
  });

  it('reports unsynced before the first sync, ok after', async () => {
    expect((await fetch(`${local.address}/healthz`)).status).toBe(503);
    await sidecar.syncOnce();
    const health = (await (await fetch(`${local.address}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', replicaVersion: 1 });
  });

  it('answers a long unknown field name without echoing it', async () => {
    const answer = await call('/v1/match', JSON.stringify({ ['k'.repeat(200_000)]: 1 }));
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.json).length).toBeLessThan(1024);
  });

  it('refuses callers without the local token', async () => {
    expect((await call('/v1/match', '{}', 'application/json', 'wrong-token-of-some-length')).json).toMatchObject({ error: { code: 'AUTH_INVALID' } });
    const res = await fetch(`${local.address}/v1/scan?surface=uploads&subject=user:alice`, { method: 'POST', body: indicatorPicture });
    expect(res.status).toBe(401);
  });

  it('matches a scaled copy by PDQ and the identical file by MD5, and reports it', async () => {
    const answer = await call('/v1/scan?surface=uploads&subject=user:alice', indicatorPicture, 'image/jpeg');
    const matches = answer.json.matches as { algorithm: string; distance: number; category: string }[];
    expect(matches.map((m) => m.algorithm).sort()).toEqual(['md5', 'pdq']);
    expect(matches.find((m) => m.algorithm === 'pdq')).toMatchObject({ distance: 0, category: 'B2', variant: 'original' });
    expect(answer.json).toMatchObject({ quality: expect.any(Number), lowQuality: false, reportId: expect.any(String), stale: false });

    const smaller = await sharp(indicatorPicture).resize(320).jpeg({ quality: 70 }).toBuffer();
    const scaled = await call('/v1/scan?surface=uploads&subject=group:g1', smaller, 'image/jpeg');
    expect((scaled.json.matches as { algorithm: string }[]).map((m) => m.algorithm)).toEqual(['pdq']);
  });

  it('matches caller-computed hashes, and says lowQuality instead of silently missing', async () => {
    const hit = await call('/v1/match', JSON.stringify({ surface: 'uploads', subject: 'user:alice', hashes: [{ algorithm: 'pdq', hash: pdqHex, quality: 90 }] }));
    expect(hit.json).toMatchObject({ matches: [{ algorithm: 'pdq', distance: 0 }], lowQuality: false });
    const low = await call('/v1/match', JSON.stringify({ surface: 'uploads', subject: 'user:alice', hashes: [{ algorithm: 'pdq', hash: pdqHex, quality: 20 }] }));
    expect(low.json).toMatchObject({ matches: [], quality: 20, lowQuality: true });
    const bad = await call('/v1/match', JSON.stringify({ surface: 'uploads', subject: 'user:alice', hashes: [{ algorithm: 'pdq', hash: 'zz' }] }));
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'HASH_BAD_LENGTH' } });
  });

  it('leaves out a dHash64 query below its own quality floor, and matches it above', async () => {
    const query = (quality: number) => call('/v1/match', JSON.stringify({ surface: 'uploads', subject: 'user:alice', hashes: [{ algorithm: 'dhash64', hash: DHASH_HEX, quality }] }));
    expect((await query(80)).json).toMatchObject({ matches: [{ algorithm: 'dhash64', distance: 0 }] });
    expect((await query(20)).json).toMatchObject({ matches: [] });
  });

  it('answers batches item by item, refusals included', async () => {
    const scans = await call(
      '/v1/scan/batch',
      JSON.stringify({
        items: [
          { surface: 'uploads', subject: 'user:alice', image: indicatorPicture.toString('base64') },
          { surface: 'dm', subject: 'user:alice', image: indicatorPicture.toString('base64') },
          { surface: 'uploads', subject: 'user:mallory', image: indicatorPicture.toString('base64') },
          { surface: 'uploads', subject: 'user:alice', image: Buffer.from('not an image').toString('base64') },
        ],
      }),
    );
    const results = scans.json.results as Record<string, unknown>[];
    expect((results[0]?.matches as unknown[]).length).toBe(2);
    expect(results[1]).toEqual({ refused: { code: 'SURFACE_E2EE', message: expect.any(String) } });
    expect(results[2]).toEqual({ refused: { code: 'NO_ACTIVE_ORDER', message: expect.any(String) } });
    // Not an image: matched by its exact hashes only, and the answer says why nothing perceptual was computed.
    expect(results[3]).toMatchObject({ matches: [], quality: null, perceptualSkipped: { code: 'IMAGE_UNSUPPORTED' } });
    const matches = await call('/v1/match/batch', JSON.stringify({ items: [{ surface: 'uploads', subject: 'user:alice', hashes: [{ algorithm: 'md5', hash: md5Hex }] }] }));
    expect((matches.json.results as Record<string, unknown>[])[0]).toMatchObject({ matches: [{ algorithm: 'md5', distance: 0 }] });
  });

  it('refuses an E2EE scan without reading it, says why a broken image got no perceptual hash, and refuses an oversized body', async () => {
    expect((await call('/v1/scan?surface=dm&subject=user:alice', indicatorPicture, 'image/jpeg')).json).toMatchObject({ refused: { code: 'SURFACE_E2EE' } });
    expect((await call('/v1/scan?surface=nope&subject=user:alice', indicatorPicture, 'image/jpeg')).json).toMatchObject({ refused: { code: 'SURFACE_UNKNOWN' } });
    const broken = await call('/v1/scan?surface=uploads&subject=user:alice', indicatorPicture.subarray(0, 200), 'image/jpeg');
    expect(broken.status).toBe(200);
    expect(broken.json).toMatchObject({ matches: [], perceptualSkipped: { code: 'IMAGE_CORRUPT' } });
    const big = await call('/v1/scan?surface=uploads&subject=user:alice', new Uint8Array(3_000_000), 'image/jpeg');
    expect(big).toMatchObject({ status: 413, json: { error: { code: 'BODY_TOO_LARGE' } } });
  });

  it('delivers the reports to the Centre and exposes counters without content', async () => {
    await sidecar.deliverReports();
    const res = await fetch(`${centre.url}/v1/reports?limit=100`, { headers: { authorization: `Bearer ${centre.tokens.operator}` } });
    const { reports } = (await res.json()) as { reports: { orderId: string; preview: string | null }[] };
    // Three scans of image bytes (previews) and three matches of bare hashes (no content, so no preview).
    expect(reports).toHaveLength(6);
    expect(reports.every((r) => r.orderId === 'API-TEST-1')).toBe(true);
    expect(reports.filter((r) => typeof r.preview === 'string')).toHaveLength(3);
    const metrics = await (await fetch(`${local.address}/metrics`)).text();
    expect(metrics).toMatch(/hashfeed_scan_refusals_total\{code="SURFACE_E2EE"\} [1-9]/);
    expect(metrics).toMatch(/hashfeed_replica_version 1/);
    expect(metrics).toMatch(/hashfeed_report_queue_depth 0/);
    expect(metrics).not.toContain('alice');
    expect(metrics).not.toContain(pdqHex);
  });
});
