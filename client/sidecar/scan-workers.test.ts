import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { syntheticPhotoPixels } from '../../fixtures/synthetic-photo.ts';
import { hashImageViews } from '../../shared/hashing/image-views.ts';
import { ScanWorkers } from './scan-workers.ts';

const OPTIONS = { algorithms: ['pdq', 'phash64'] as const, dihedral: true, maxPixels: 10_000_000, maxFrames: 8 };

/** A 4-frame animated GIF of synthetic photographs. */
async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all([1, 2, 3, 4].map(async (seed) => sharp(await syntheticPhotoPixels({ width: 160, height: 120, seed }), { raw: { width: 160, height: 120, channels: 3 } }).png().toBuffer()));
  return sharp(frames, { join: { animated: true } }).gif({ loop: 0 }).toBuffer();
}

describe('scan worker threads', () => {
  const pools: ScanWorkers[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  describe('when given an animation', () => {
    it('hashes every view as the main thread does', async () => {
      const pool = new ScanWorkers(2);
      pools.push(pool);
      const gif = await animatedGif();
      const [inWorker, inProcess] = await Promise.all([pool.hashViews(gif, OPTIONS), hashImageViews(gif, OPTIONS)]);
      expect(inWorker).toEqual(inProcess);
      expect(inWorker.views.length).toBeGreaterThan(1);
    });
  });

  describe('when several scans arrive at once', () => {
    it('answers each with its own hashes, using no more threads than allowed', async () => {
      const pool = new ScanWorkers(2);
      pools.push(pool);
      const images = await Promise.all([11, 12, 13, 14, 15].map(async (seed) => sharp(await syntheticPhotoPixels({ width: 96, height: 64, seed }), { raw: { width: 96, height: 64, channels: 3 } }).png().toBuffer()));
      const answers = await Promise.all(images.map((bytes) => pool.hashViews(bytes, OPTIONS)));
      const expected = await Promise.all(images.map((bytes) => hashImageViews(bytes, OPTIONS)));
      expect(answers).toEqual(expected);
      expect(pool.busy).toBe(0);
    });
  });

  describe('when the process was started with preloads', () => {
    it('starts its threads without them (a TypeScript preload cannot load in a fresh thread)', () => {
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--import', join(import.meta.dirname, 'testing', 'noop-preload.ts'), join(import.meta.dirname, 'testing', 'hash-in-worker.ts')], { encoding: 'utf8', timeout: 60_000 });
      expect(run.stdout.trim()).toBe('views 4');
    });
  });

  describe('when stopped', () => {
    it('refuses further scans with SCAN_WORKER_FAILED', async () => {
      const pool = new ScanWorkers(1);
      await pool.close();
      await expect(pool.hashViews(new Uint8Array([1, 2, 3]), OPTIONS)).rejects.toMatchObject({ code: 'SCAN_WORKER_FAILED' });
    });
  });
});
