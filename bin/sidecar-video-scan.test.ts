import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateImage } from '../fixtures/index.ts';
import { createSidecar, type Sidecar, type SidecarOptions } from '../client/sidecar/sidecar.ts';
import { formatVideoValue, parseFrameList, videoIndicatorValue } from '../shared/video-match/index.ts';
import { hashVideo } from '../shared/video/index.ts';
import { isAlive, makeVideo, requireFfmpeg } from '../shared/video/testing/synthetic-video.ts';
import { makeSourceVideo, transformVideo } from '../fixtures/index.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
import { sidecarConfigFor, TEST_LOCAL_TOKEN as LOCAL_TOKEN } from './testing/sidecar-config.ts';

const HOUR = 3_600_000;
type Json = Record<string, unknown>;
type VideoMatchItem = { indicatorId: number; algorithm: string; distance: number; view: string; matchedShare: number; queryShare: number; timestamps: number[] };

const hasFfmpeg = requireFfmpeg();

/** A body that says when it is first read, and can be held half-sent until `finish` is called. */
function watchedBody(bytes: Uint8Array, options: { hold?: boolean } = {}): { body: ReadableStream<Uint8Array>; read: () => boolean; finish: () => void } {
  let read = false;
  let finish = (): void => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      read = true;
      if (sent === 0) controller.enqueue(bytes.subarray(0, bytes.length >> 1));
      else if (sent === 1) {
        if (options.hold === true) await finished;
        controller.enqueue(bytes.subarray(bytes.length >> 1));
      } else controller.close();
      sent++;
    },
  }, { highWaterMark: 0 });
  return { body, read: () => read, finish };
}

describe.runIf(hasFfmpeg)('video scans in the sidecar', () => {
  let centre: LoopbackCentre;
  let videoDir: string;
  let spoolDir: string;
  const sidecars: Sidecar[] = [];
  const dataDirs: string[] = [];
  const children: { pid: number; tool: string }[] = [];
  let sidecar: Sidecar;
  // Synthetic videos (ffmpeg's own test patterns): the known one, its letterboxed re-encode, an unrelated one, a long one.
  let known: Buffer;
  let letterboxed: Buffer;
  let unrelated: Buffer;
  let long: Buffer;
  let tooLong: Buffer;
  let jpeg: Buffer;

  const startSidecar = async (settings: Json = {}, videoTools: SidecarOptions['videoTools'] = {}): Promise<Sidecar> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hf-video-scan-'));
    dataDirs.push(dataDir);
    const config = sidecarConfigFor(centre, dataDir, {
      surfaces: [
        { id: 'uploads', description: 'uploads', e2ee: false },
        { id: 'chats', description: 'end-to-end encrypted chats', e2ee: true },
      ],
      ...settings,
    });
    const started = await createSidecar({ config, logger: pino({ level: 'silent' }), videoTools: { tempDir: spoolDir, onChild: (child) => children.push(child), ...videoTools } });
    sidecars.push(started);
    await started.registerKey();
    await started.registerEncryptionKey();
    await centre.approveProviderKeys();
    await started.syncOnce();
    expect(started.health()).toMatchObject({ status: 'ok' });
    return started;
  };

  const scan = async (target: Sidecar, query: string, body: Uint8Array | ReadableStream<Uint8Array>, contentType = 'application/octet-stream', signal?: AbortSignal): Promise<{ status: number; json: Json; headers: Headers }> => {
    const res = await target.app.request(`/v1/scan?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': contentType, ...(body instanceof ReadableStream ? {} : { 'content-length': String(body.byteLength) }) },
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      ...(signal === undefined ? {} : { signal }),
    });
    const json: unknown = await res.json();
    return { status: res.status, json: typeof json === 'object' && json !== null ? Object.fromEntries(Object.entries(json)) : {}, headers: res.headers };
  };
  const videoMatches = (json: Json): VideoMatchItem[] => (Array.isArray(json.matches) ? json.matches : []).filter((m: { algorithm?: unknown }) => m.algorithm === 'vpdq');

  beforeAll(async () => {
    videoDir = mkdtempSync(join(tmpdir(), 'hf-video-files-'));
    spoolDir = mkdtempSync(join(tmpdir(), 'hf-video-spool-'));
    const path = (name: string): string => join(videoDir, name);
    makeVideo(path('known.mp4'), { width: 320, height: 240, fps: 10, seconds: 8 });
    // Re-encoded at a lower quality inside black bars, as a re-upload often is.
    transformVideo(path('known.mp4'), path('letterboxed.mp4'), { filters: 'scale=288:216,pad=320:240:16:12:black', crf: 32 });
    makeSourceVideo(path('unrelated.mp4'), 'mandelbrot=size=320x240:rate=10', 8);
    makeVideo(path('long.mp4'), { width: 320, height: 240, fps: 25, seconds: 25 });
    makeVideo(path('too-long.mp4'), { width: 64, height: 48, fps: 2, seconds: 40 });
    const read = (name: string): Buffer => readFileSync(path(`${name}.mp4`));
    known = read('known');
    letterboxed = read('letterboxed');
    unrelated = read('unrelated');
    long = read('long');
    tooLong = read('too-long');
    jpeg = await generateImage({ family: 'scenes', seed: 931, width: 320, height: 240, format: 'jpeg' });

    centre = await startLoopbackCentre({ publishVideoIndicators: true });
    const frames = await hashVideo({ path: path('known.mp4') });
    await centre.publish([{ algorithm: 'vpdq', hash: formatVideoValue(videoIndicatorValue(parseFrameList(frames))), category: 'A1' }]);
    const now = Date.now();
    const res = await fetch(`${centre.url}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${centre.tokens.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        orderId: 'VIDEO-1',
        issuingAuthority: 'DE-BKA',
        legalReference: 'Test VIDEO-1',
        provider: 'example-host',
        surfaces: ['uploads', 'chats'],
        targets: { users: ['alice'], groups: [], channels: [] },
        notBefore: now - 60_000,
        notAfter: now + HOUR,
      }),
    });
    expect(res.status).toBe(201);
    // One video at a time and none waiting, so that a second video during a scan is refused at once.
    sidecar = await startSidecar({ maxVideoBytes: 4 * 1024 * 1024, maxVideoSeconds: 30, videoScanConcurrency: 1, videoQueueLength: 0 });
  }, 180_000);

  afterAll(async () => {
    try {
      for (const s of sidecars.splice(0)) await s.stop();
      await stopLoopbackCentres();
    } finally {
      for (const dir of [videoDir, spoolDir, ...dataDirs]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('when a re-encoded, letterboxed copy of a known video is uploaded', () => {
    it('matches it with the shares and first timestamps, and files a vpdq report with a preview', async () => {
      const { status, json } = await scan(sidecar, 'surface=uploads&subject=user:alice', letterboxed);
      expect(status).toBe(200);
      const [match, ...others] = videoMatches(json);
      expect(others).toEqual([]);
      expect(match).toMatchObject({ algorithm: 'vpdq', view: 'video/unframed', category: 'A1' });
      expect(match!.matchedShare).toBeGreaterThanOrEqual(0.8);
      expect(match!.distance).toBe(100 - Math.floor(match!.matchedShare * 100));
      expect(match!.timestamps[0]).toBe(0);
      expect(json).toMatchObject({ video: { framesHashed: 8, secondsPerHash: 1 }, reportId: expect.any(String) });
      await sidecar.deliverReports();
      const listed = await fetch(`${centre.url}/v1/reports?limit=100`, { headers: { authorization: `Bearer ${centre.tokens.operator}` } });
      const { reports } = (await listed.json()) as { reports: { reportId: string; algorithm: string; distance: number; preview: string | null }[] };
      expect(reports.find((r) => r.reportId === json.reportId)).toMatchObject({ algorithm: 'vpdq', distance: match!.distance, preview: expect.stringMatching(/^.{28}$/) });
      // The video went through a spool file only: none is left.
      expect(readdirSync(spoolDir)).toEqual([]);
    });
  });

  describe('when an unrelated video is uploaded', () => {
    it('hashes it and matches nothing', async () => {
      const { status, json } = await scan(sidecar, 'surface=uploads&subject=user:alice', unrelated);
      expect(status).toBe(200);
      expect(json.matches).toEqual([]);
      expect(json).toMatchObject({ video: { framesHashed: 8 }, lowQuality: false });
      expect(json.reportId).toBeUndefined();
    });
  });

  describe('when a body starts like a video but ffmpeg cannot read it', () => {
    it('answers as for an undecodable picture: exact hashes matched, perceptualSkipped', async () => {
      // The first 4 KiB of an MP4 whose index (moov) is at its end.
      const { status, json } = await scan(sidecar, 'surface=uploads&subject=user:alice', known.subarray(0, 4096));
      expect(status).toBe(200);
      expect(json).toMatchObject({ matches: [], quality: null, perceptualSkipped: { code: 'VIDEO_UNREADABLE' } });
      expect(readdirSync(spoolDir)).toEqual([]);
    });
  });

  describe('when the surface is end-to-end encrypted', () => {
    it('refuses the scan without reading a byte of the video', async () => {
      const watched = watchedBody(known);
      const { status, json } = await scan(sidecar, 'surface=chats&subject=user:alice', watched.body);
      expect(status).toBe(200);
      expect(json).toMatchObject({ refused: { code: 'SURFACE_E2EE' } });
      expect(watched.read()).toBe(false);
    });
  });

  describe('when the video is over maxVideoBytes', () => {
    // Still a video from its first bytes: an MP4 with data appended past the cap.
    const oversized = (): Buffer => Buffer.concat([known, Buffer.alloc(4 * 1024 * 1024)]);

    it('refuses it from its declared length', async () => {
      const { status, json, headers } = await scan(sidecar, 'surface=uploads&subject=user:alice', oversized());
      expect(status).toBe(413);
      expect(json).toMatchObject({ error: { code: 'VIDEO_TOO_LARGE' } });
      expect(headers.get('connection')).toBe('close');
    });

    it('refuses it as soon as a body without a length passes the cap, and leaves no spool file', async () => {
      const { status, json } = await scan(sidecar, 'surface=uploads&subject=user:alice', watchedBody(oversized()).body);
      expect(status).toBe(413);
      expect(json).toMatchObject({ error: { code: 'VIDEO_TOO_LARGE' } });
      expect(readdirSync(spoolDir)).toEqual([]);
    });
  });

  describe('when the video is longer than maxVideoSeconds', () => {
    it('refuses it from the duration it declares', async () => {
      const { status, json } = await scan(sidecar, 'surface=uploads&subject=user:alice', tooLong);
      expect(status).toBe(413);
      expect(json).toMatchObject({ error: { code: 'VIDEO_TOO_LONG' } });
    });
  });

  describe('when the content type says otherwise', () => {
    it('scans a video labelled image/jpeg as a video', async () => {
      const { json } = await scan(sidecar, 'surface=uploads&subject=user:alice', letterboxed, 'image/jpeg');
      expect(json).toMatchObject({ video: { framesHashed: 8 } });
      expect(videoMatches(json)).toHaveLength(1);
    });

    it('scans a JPEG labelled video/mp4 as an image', async () => {
      const { status, json } = await scan(sidecar, 'surface=uploads&subject=user:alice', jpeg, 'video/mp4');
      expect(status).toBe(200);
      expect(json.video).toBeUndefined();
      expect(json).toMatchObject({ matches: [], quality: expect.any(Number) });
    });
  });

  describe('when a video scan is in progress', () => {
    it('still answers an image scan, refuses a video past the queue with 503, and shows the video scan in /metrics', async () => {
      const held = watchedBody(known, { hold: true });
      const video = scan(sidecar, 'surface=uploads&subject=user:alice', held.body);
      try {
        // The video holds its slot while its body arrives.
        for (let i = 0; i < 200 && sidecar.videoSlots.inUse === 0; i++) await new Promise((resolve) => setImmediate(resolve));
        expect(sidecar.videoSlots.inUse).toBe(1);
        const metrics = await (await sidecar.app.request('/metrics')).text();
        expect(metrics).toMatch(/^hashfeed_video_scans_in_progress 1$/m);
        const image = await scan(sidecar, 'surface=uploads&subject=user:alice', jpeg);
        expect(image).toMatchObject({ status: 200, json: { matches: [] } });
        expect(sidecar.videoSlots.inUse).toBe(1);
        // Another video finds the one slot taken and no room to wait (videoQueueLength 0).
        const second = await scan(sidecar, 'surface=uploads&subject=user:alice', unrelated);
        expect(second).toMatchObject({ status: 503, json: { error: { code: 'OVERLOADED' } } });
        expect(second.headers.get('retry-after')).toBe('2');
        expect(second.headers.get('connection')).toBe('close');
      } finally {
        held.finish();
      }
      expect(videoMatches((await video).json)).toHaveLength(1);
      const after = await (await sidecar.app.request('/metrics')).text();
      expect(after).toMatch(/^hashfeed_video_scans_in_progress 0$/m);
      expect(Number(/^hashfeed_video_seconds_hashed_total (\S+)$/m.exec(after)?.[1])).toBeGreaterThan(0);
    });
  });

  describe('when the client goes away during a video scan', () => {
    it('ends its ffmpeg child and removes the spool file', async () => {
      const aborter = new AbortController();
      const before = children.length;
      let settled = false;
      const pending = scan(sidecar, 'surface=uploads&subject=user:alice', long, 'application/octet-stream', aborter.signal)
        .catch(() => undefined)
        .finally(() => {
          settled = true;
        });
      // Wait for the decoder to start (probe first, then ffmpeg), or for the scan to end without one (a failure below).
      for (let i = 0; i < 4000 && !settled && !children.slice(before).some((c) => c.tool === 'ffmpeg'); i++) await new Promise((resolve) => setTimeout(resolve, 5));
      const decoder = children.slice(before).find((c) => c.tool === 'ffmpeg');
      expect(decoder).toBeDefined();
      aborter.abort();
      await pending;
      for (let i = 0; i < 400 && isAlive(decoder!.pid); i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(isAlive(decoder!.pid)).toBe(false);
      expect(sidecar.videoSlots.inUse).toBe(0);
      expect(readdirSync(spoolDir)).toEqual([]);
    });
  });

  describe('when ffmpeg is not installed', () => {
    it('answers VIDEO_DECODER_MISSING for a video and still scans images', async () => {
      const without = await startSidecar({}, { ffmpegPath: '/nonexistent/ffmpeg', ffprobePath: '/nonexistent/ffprobe' });
      const { status, json } = await scan(without, 'surface=uploads&subject=user:alice', letterboxed);
      expect(status).toBe(501);
      expect(json).toMatchObject({ error: { code: 'VIDEO_DECODER_MISSING' } });
      expect(await scan(without, 'surface=uploads&subject=user:alice', jpeg)).toMatchObject({ status: 200, json: { matches: [] } });
    });
  });
});
