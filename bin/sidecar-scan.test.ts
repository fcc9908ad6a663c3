import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateImage } from '../fixtures/index.ts';
import { getAlgorithm, hashImage, md5Digest, sha256Digest } from '../shared/hashing/index.ts';
import { buildApng } from '../shared/hashing/testing/apng.ts';
import { createSidecar, type Sidecar } from '../client/sidecar/sidecar.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
import { sidecarConfigFor, TEST_LOCAL_TOKEN as LOCAL_TOKEN } from './testing/sidecar-config.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

type Json = Record<string, unknown>;
type Match = { indicatorId: number; algorithm: string; distance: number; view: string };

async function pdqHexOf(bytes: Uint8Array, mode: 'exact' | 'fast' = 'exact'): Promise<string> {
  const { results } = await hashImage(bytes, { algorithms: ['pdq'], mode });
  return getAlgorithm('pdq').format(results[0]?.hash ?? new Uint8Array(32));
}

/** A picture hidden in the alpha channel: every pixel black, opacity 255 - grey, so on a white page it shows the grey picture. */
async function alphaHidden(picture: Uint8Array): Promise<Buffer> {
  const { data, info } = await sharp(picture).greyscale().raw().toBuffer({ resolveWithObject: true });
  const rgba = Buffer.alloc(info.width * info.height * 4);
  for (let i = 0; i < info.width * info.height; i++) rgba[i * 4 + 3] = 255 - (data[i] ?? 0);
  return sharp(rgba, { raw: { width: info.width, height: info.height, channels: 4 } }).png().toBuffer();
}

/** An upload whose body arrives in two halves, `between` running in the pause (as a slow client's). */
function slowBody(bytes: Uint8Array, between: () => void): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) {
        controller.enqueue(bytes.subarray(0, bytes.length >> 1));
      } else if (sent === 1) {
        between();
        controller.enqueue(bytes.subarray(bytes.length >> 1));
      } else controller.close();
      sent++;
    },
  });
}

describe('the sidecar scan path', () => {
  let centre: LoopbackCentre;
  let sidecar: Sidecar;
  let dataDir: string;
  /** The sidecar's clock: real time unless a test pins it. */
  let pinned: number | undefined;
  let lateOrderEnds: number;

  // Known content (all synthetic): a JPEG known by its picture and known in its truncated form by MD5 ...
  let knownJpeg: Buffer;
  let truncatedJpeg: Uint8Array;
  // ... a file that is no image at all, known by SHA-256 ...
  let document: Uint8Array;
  // ... a picture that shows only through transparency ...
  let hiddenPicture: Buffer;
  // ... an animated GIF whose second frame is the known picture ...
  let animated: Buffer;
  // ... an animated PNG that shows a known picture only in its animation ...
  let animatedPng: Buffer;
  // ... a known picture saved as 16-bit grey ...
  let grey16: Buffer;
  // ... and a known picture re-uploaded in a 10% frame (one whose PDQ quality is well above the floor of 50).
  let framed: Buffer;

  const scan = async (query: string, body: Uint8Array | ReadableStream<Uint8Array>): Promise<{ status: number; json: Json }> => {
    const res = await sidecar.app.request(`/v1/scan?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/octet-stream' },
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    });
    const json: unknown = await res.json();
    return { status: res.status, json: typeof json === 'object' && json !== null ? Object.fromEntries(Object.entries(json)) : {} };
  };
  const matchesOf = (json: Json): Match[] => (Array.isArray(json.matches) ? json.matches : []) as Match[];

  beforeAll(async () => {
    centre = await startLoopbackCentre();
    knownJpeg = await generateImage({ family: 'scenes', seed: 901, width: 640, height: 480, format: 'jpeg' });
    truncatedJpeg = knownJpeg.subarray(0, knownJpeg.length - 2);
    document = new TextEncoder().encode('%PDF-1.7\n% a synthetic document that no image decoder reads\n'.repeat(20));
    const hiddenSource = await generateImage({ family: 'scenes', seed: 902, width: 480, height: 360, format: 'png' });
    hiddenPicture = await alphaHidden(hiddenSource);
    const firstFrame = await sharp(await generateImage({ family: 'patterns', seed: 903, width: 320, height: 240, format: 'png' })).png().toBuffer();
    const secondFrame = await generateImage({ family: 'scenes', seed: 904, width: 320, height: 240, format: 'png' });
    animated = await sharp([firstFrame, secondFrame], { join: { animated: true } }).gif().toBuffer();
    const animationFrame = await generateImage({ family: 'scenes', seed: 905, width: 320, height: 240, format: 'png' });
    animatedPng = await buildApng(await generateImage({ family: 'patterns', seed: 906, width: 320, height: 240, format: 'png' }), [{ png: animationFrame }]);
    const greyPicture = await sharp(await generateImage({ family: 'scenes', seed: 907, width: 320, height: 240, format: 'png' })).greyscale().png().toBuffer();
    grey16 = await sharp(greyPicture).toColourspace('grey16').png().toBuffer();
    const framedPicture = await generateImage({ family: 'scenes', seed: 909, width: 400, height: 300, format: 'jpeg' });
    framed = await sharp(framedPicture).extend({ top: 30, bottom: 30, left: 30, right: 30, background: '#f4f1e8' }).jpeg({ quality: 85 }).toBuffer();

    const hex = (algorithm: 'md5' | 'sha256', digest: Uint8Array): string => getAlgorithm(algorithm).format(digest);
    await centre.publish([
      // As the sidecar hashes the first frame (the `fast` decode), so that a complete decode of the cut file is distance 0.
      { algorithm: 'pdq', hash: await pdqHexOf(knownJpeg, 'fast'), category: 'A1' },
      { algorithm: 'md5', hash: hex('md5', md5Digest(truncatedJpeg)), category: 'A1' },
      { algorithm: 'sha256', hash: hex('sha256', sha256Digest(document)), category: 'B1' },
      { algorithm: 'pdq', hash: await pdqHexOf(await sharp(hiddenSource).greyscale().png().toBuffer()), category: 'A2' },
      { algorithm: 'pdq', hash: await pdqHexOf(secondFrame), category: 'B2' },
      { algorithm: 'pdq', hash: await pdqHexOf(animationFrame), category: 'B2' },
      { algorithm: 'pdq', hash: await pdqHexOf(greyPicture), category: 'A1' },
      { algorithm: 'pdq', hash: await pdqHexOf(framedPicture), category: 'A2' },
    ]);
    const now = Date.now();
    lateOrderEnds = now + 10 * MINUTE;
    const order = (orderId: string, users: string[], notAfter: number) => ({
      orderId,
      issuingAuthority: 'DE-BKA',
      legalReference: `Test ${orderId}`,
      provider: 'example-host',
      surfaces: ['uploads'],
      targets: { users, groups: [], channels: [] },
      notBefore: now - MINUTE,
      notAfter,
    });
    for (const body of [order('SCAN-1', ['alice'], now + HOUR), order('SCAN-LATE', ['bob'], lateOrderEnds)]) {
      const res = await fetch(`${centre.url}/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${centre.tokens.operator}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
    }
    dataDir = mkdtempSync(join(tmpdir(), 'hf-scan-'));
    const config = sidecarConfigFor(centre, dataDir);
    sidecar = await createSidecar({ config, clock: () => pinned ?? Date.now(), logger: pino({ level: 'silent' }) });
    // The key a provider registers is pending until an operator approves it (docs/SAFEGUARDS.md, "Report keys") ...
    expect(await sidecar.registerKey()).toMatchObject({ status: 'pending' });
    // ... and so is the encryption key it signs: the Centre wraps no epoch key for it yet, so nothing syncs (PROTOCOL 13.5).
    expect(await sidecar.registerEncryptionKey()).toMatchObject({ status: 'pending' });
    await sidecar.syncOnce();
    expect(sidecar.health()).toMatchObject({ status: 'no_access', noAccessReason: 'ENCRYPTION_KEY_PENDING', replicaVersion: 0 });
    expect(await centre.approveProviderKeys()).toBe(1);
    await sidecar.syncOnce();
    expect(sidecar.health()).toMatchObject({ status: 'ok', noAccessReason: null, replicaVersion: 1 });
  });

  afterAll(async () => {
    await sidecar?.stop();
    await stopLoopbackCentres();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  describe('when a known JPEG has its end marker cut off', () => {
    it('matches it on MD5 and, decoded as far as it goes, on PDQ, flagged partial', async () => {
      const { status, json } = await scan('surface=uploads&subject=user:alice', truncatedJpeg);
      expect(status).toBe(200);
      expect(matchesOf(json).map((m) => m.algorithm).sort()).toEqual(['md5', 'pdq']);
      expect(matchesOf(json).find((m) => m.algorithm === 'pdq')).toMatchObject({ distance: 0, view: 'original' });
      expect(json).toMatchObject({ partial: true, lowQuality: false, reportId: expect.any(String) });
    });
  });

  describe('when the body is not an image', () => {
    it('matches it by SHA-256, says why no perceptual hash was computed, and reports it without a preview', async () => {
      const { status, json } = await scan('surface=uploads&subject=user:alice', document);
      expect(status).toBe(200);
      expect(matchesOf(json)).toMatchObject([{ algorithm: 'sha256', distance: 0, view: 'file' }]);
      expect(json).toMatchObject({ quality: null, perceptualSkipped: { code: 'IMAGE_UNSUPPORTED' }, reportId: expect.any(String) });
      await sidecar.deliverReports();
      const res = await fetch(`${centre.url}/v1/reports?limit=100`, { headers: { authorization: `Bearer ${centre.tokens.operator}` } });
      const { reports } = (await res.json()) as { reports: { reportId: string; algorithm: string; preview: string | null }[] };
      expect(reports.find((r) => r.reportId === json.reportId)).toMatchObject({ algorithm: 'sha256', preview: null });
    });
  });

  describe('when a picture shows only through its alpha channel', () => {
    it('matches it composited on white', async () => {
      const { json } = await scan('surface=uploads&subject=user:alice', hiddenPicture);
      expect(matchesOf(json)).toMatchObject([{ algorithm: 'pdq', view: 'white' }]);
      expect(json).toMatchObject({ lowQuality: false, reportId: expect.any(String) });
    });
  });

  describe('when only the second frame of an animated GIF is known', () => {
    it('hashes every frame and matches the second', async () => {
      const { json } = await scan('surface=uploads&subject=user:alice', animated);
      expect(matchesOf(json).map((m) => [m.algorithm, m.view])).toContainEqual(['pdq', expect.stringMatching(/^frame:2(\/|$)/)]);
      expect(json).toMatchObject({ frames: { hashed: 2, total: 2 }, reportId: expect.any(String) });
    });
  });

  describe('when a known picture is shown only by the animation of an animated PNG', () => {
    it('hashes the animation\'s frames and matches it', async () => {
      const { json } = await scan('surface=uploads&subject=user:alice', animatedPng);
      expect(matchesOf(json).map((m) => [m.algorithm, m.view])).toEqual([['pdq', 'frame:1']]);
      expect(json).toMatchObject({ reportId: expect.any(String) });
    });
  });

  describe('when a known picture is saved as 16-bit grey', () => {
    it('matches it scaled to 8 bits, as a viewer shows it', async () => {
      const { json } = await scan('surface=uploads&subject=user:alice', grey16);
      expect(matchesOf(json).map((m) => [m.algorithm, m.view])).toEqual([['pdq', 'scaled']]);
      expect(json).toMatchObject({ reportId: expect.any(String) });
    });
  });

  describe('when a known picture is re-uploaded in a frame', () => {
    it('matches the picture inside the frame, as the view unframed', async () => {
      const { json } = await scan('surface=uploads&subject=user:alice', framed);
      expect(matchesOf(json).map((m) => [m.algorithm, m.view])).toEqual([['pdq', 'unframed']]);
      expect(json).toMatchObject({ reportId: expect.any(String) });
    });
  });

  describe('when surface or subject is given twice', () => {
    it.each([
      ['surface', 'surface=uploads&surface=dm&subject=user:alice'],
      ['subject', 'surface=uploads&subject=user:mallory&subject=user:alice'],
    ])('refuses a repeated %s as REQUEST_AMBIGUOUS', async (_name, query) => {
      const { status, json } = await scan(query, knownJpeg);
      expect(status).toBe(400);
      expect(json).toMatchObject({ error: { code: 'REQUEST_AMBIGUOUS' } });
    });
  });

  describe('when a JSON route is also given surface or subject in its query', () => {
    it.each([
      ['/v1/match?surface=dm', { surface: 'uploads', subject: 'user:alice', hashes: [{ algorithm: 'md5', hash: 'ab'.repeat(16) }] }],
      ['/v1/match?subject=user:mallory', { surface: 'uploads', subject: 'user:alice', hashes: [{ algorithm: 'md5', hash: 'ab'.repeat(16) }] }],
      ['/v1/scan/batch?surface=dm', { items: [{ surface: 'uploads', subject: 'user:alice', image: '' }] }],
      ['/v1/match/batch?subject=user:mallory', { items: [{ surface: 'uploads', subject: 'user:alice', hashes: [{ algorithm: 'md5', hash: 'ab'.repeat(16) }] }] }],
    ])('refuses %s as REQUEST_AMBIGUOUS: the query and the body would disagree on what the policy saw', async (path, body) => {
      const res = await sidecar.app.request(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'REQUEST_AMBIGUOUS' } });
    });
  });

  describe('when a JSON body names surface or subject twice', () => {
    it.each([
      ['/v1/match', '{"surface":"uploads","subject":"user:mallory","subject":"user:alice","hashes":[{"algorithm":"md5","hash":"' + 'ab'.repeat(16) + '"}]}'],
      ['/v1/scan/batch', '{"items":[{"surface":"dm","subject":"user:alice","\\u0073urface":"uploads","image":""}]}'],
    ])('refuses %s as REQUEST_AMBIGUOUS: a parser keeps the last, a proxy may have checked the first', async (path, body) => {
      const res = await sidecar.app.request(path, { method: 'POST', headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/json' }, body });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'REQUEST_AMBIGUOUS' } });
    });
  });

  describe('when a JSON body has a member named __proto__', () => {
    it('refuses it as REQUEST_AMBIGUOUS: JSON.parse keeps a member, a chunked parser a prototype whose surface a proxy never saw', async () => {
      const body = '{"__proto__":{"surface":"uploads"},"subject":"user:mallory","hashes":[{"algorithm":"md5","hash":"' + 'ab'.repeat(16) + '"}]}';
      const res = await sidecar.app.request('/v1/match', { method: 'POST', headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/json' }, body });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'REQUEST_AMBIGUOUS' } });
    });
  });

  describe('when a batch item is malformed', () => {
    it.each([
      ['/v1/scan/batch', (good: Json) => ({ items: [{ ...good, image: knownJpeg.toString('base64') }, { ...good, image: '', extra: 1 }] })],
      ['/v1/match/batch', (good: Json) => ({ items: [{ ...good, hashes: [{ algorithm: 'md5', hash: getAlgorithm('md5').format(md5Digest(truncatedJpeg)) }] }, { ...good, hashes: 'md5' }] })],
    ])('refuses %s whole before scanning or reporting any item', async (path, body) => {
      const before = sidecar.queue.counts();
      const res = await sidecar.app.request(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body({ surface: 'uploads', subject: 'user:alice' })),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
      // A 400 after the first item was reported would leave the caller to resend it, and the Centre to receive it twice.
      expect(sidecar.queue.counts()).toEqual(before);
    });
  });

  describe('when the order lapses while the upload is still arriving', () => {
    it('decides again after hashing and reports nothing', async () => {
      const before = sidecar.queue.counts();
      pinned = lateOrderEnds - 3000;
      try {
        const body = slowBody(knownJpeg, () => {
          pinned = lateOrderEnds + 7000;
        });
        const { status, json } = await scan('surface=uploads&subject=user:bob', body);
        expect(status).toBe(200);
        expect(json).toEqual({ refused: { code: 'NO_ACTIVE_ORDER', message: expect.any(String) } });
        expect(sidecar.queue.counts()).toEqual(before);
      } finally {
        pinned = undefined;
      }
    });
  });
});
