import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { syntheticPhotoJpeg } from '../../fixtures/synthetic-photo.ts';
import { makeVideo, requireFfmpeg } from '../../shared/video/testing/synthetic-video.ts';
import { run } from './hash.ts';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hashfeed-hash-'));
  mkdirSync(join(dir, 'folder', 'nested'), { recursive: true });
  writeFileSync(join(dir, 'folder', 'b.jpg'), await syntheticPhotoJpeg({ width: 400, height: 300, seed: 1 }));
  writeFileSync(join(dir, 'folder', 'nested', 'a.png'), await sharp({ create: { width: 80, height: 60, channels: 3, background: '#4080c0' } }).png().toBuffer());
  writeFileSync(join(dir, 'folder', 'notes.txt'), 'not an image, and not an image name: skipped when walking');
  writeFileSync(join(dir, 'broken.jpg'), (await syntheticPhotoJpeg({ width: 400, height: 300, seed: 2 })).subarray(0, 3000));
  writeFileSync(join(dir, 'empty.png'), new Uint8Array(0));
  // b.jpg's picture in a 10% frame (30 px of a flat colour on every side), re-encoded as a re-upload would be.
  const framed = await sharp(await syntheticPhotoJpeg({ width: 400, height: 300, seed: 1 })).extend({ top: 30, bottom: 30, left: 30, right: 30, background: '#2a5d8f' }).jpeg({ quality: 85 }).toBuffer();
  writeFileSync(join(dir, 'framed.jpg'), framed);
});

function hexDistance(a: string, b: string): number {
  let bits = 0;
  for (let i = 0; i < a.length; i++) bits += (parseInt(a[i] ?? '0', 16) ^ parseInt(b[i] ?? '0', 16)).toString(2).replaceAll('0', '').length;
  return bits;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function hashfeed(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await run(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { status, stdout, stderr };
}

describe('hashfeed hash', () => {
  it('prints one line per image: algorithm, hash, quality, path', async () => {
    const { status, stdout, stderr } = await hashfeed(join(dir, 'folder', 'b.jpg'));
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(new RegExp(`^pdq [0-9a-f]{64} \\d+ ${join(dir, 'folder', 'b.jpg')}\\n$`));
  });

  it('walks folders in name order, recursively, taking image files only', async () => {
    const { status, stdout } = await hashfeed(join(dir, 'folder'));
    expect(status).toBe(0);
    expect(stdout.trim().split('\n').map((l) => l.split(' ')[3])).toEqual([join(dir, 'folder', 'b.jpg'), join(dir, 'folder', 'nested', 'a.png')]);
  });

  it('prints each requested algorithm in order, with - where there is no quality', async () => {
    const { stdout } = await hashfeed('--algo', 'md5,pdq,dhash64', join(dir, 'folder', 'nested', 'a.png'));
    const fields = stdout.trim().split('\n').map((l) => l.split(' '));
    expect(fields.map((f) => [f[0], f[1]?.length, f[2]])).toEqual([
      ['md5', 32, '-'],
      ['pdq', 64, '0'],
      ['dhash64', 16, '0'], // a flat picture: dHash64's quality is 0 too
    ]);
  });

  describe('with --json', () => {
    it('prints one object per image and algorithm, and one per failing file, and exits 1', async () => {
      const { status, stdout } = await hashfeed('--json', '--algo', 'pdq,sha256', join(dir, 'broken.jpg'), join(dir, 'folder'), join(dir, 'empty.png'), join(dir, 'missing.jpg'));
      expect(status).toBe(1);
      const lines: unknown[] = stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toHaveLength(1 + 4 + 2);
      expect(lines[0]).toEqual({ path: join(dir, 'broken.jpg'), error: { code: 'IMAGE_CORRUPT', message: expect.any(String) } });
      expect(lines[1]).toEqual({ path: join(dir, 'folder', 'b.jpg'), algorithm: 'pdq', hash: expect.stringMatching(/^[0-9a-f]{64}$/), quality: expect.any(Number) });
      expect(lines[2]).toEqual({ path: join(dir, 'folder', 'b.jpg'), algorithm: 'sha256', hash: expect.stringMatching(/^[0-9a-f]{64}$/), quality: null });
      expect(lines[5]).toEqual({ path: join(dir, 'empty.png'), error: { code: 'IMAGE_EMPTY', message: expect.any(String) } });
      expect(lines[6]).toEqual({ path: join(dir, 'missing.jpg'), error: { code: 'FILE_UNREADABLE', message: expect.stringContaining('ENOENT') } });
    });

    it('adds the 8 dihedral hashes with --dihedral, the first being the hash', async () => {
      const { stdout } = await hashfeed('--json', '--dihedral', join(dir, 'folder', 'b.jpg'));
      const line: unknown = JSON.parse(stdout);
      expect(line).toEqual(expect.objectContaining({ algorithm: 'pdq', dihedral: expect.any(Array) }));
      if (typeof line !== 'object' || line === null || !('dihedral' in line) || !Array.isArray(line.dihedral) || !('hash' in line)) throw new Error('bad line');
      expect(line.dihedral).toHaveLength(8);
      expect(line.dihedral[0]).toBe(line.hash);
    });
  });

  describe('with --unframe', () => {
    it('adds the picture inside a frame as "unframed": hash, quality and box, and its 8 variants with --dihedral', async () => {
      const { status, stdout } = await hashfeed('--json', '--unframe', '--dihedral', join(dir, 'framed.jpg'));
      expect(status).toBe(0);
      const line: unknown = JSON.parse(stdout);
      expect(line).toEqual({
        path: join(dir, 'framed.jpg'),
        algorithm: 'pdq',
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        quality: expect.any(Number),
        dihedral: expect.any(Array),
        unframed: { hash: expect.stringMatching(/^[0-9a-f]{64}$/), quality: expect.any(Number), box: expect.any(Array) },
        unframedDihedral: expect.any(Array),
      });
      if (!isRecord(line) || !isRecord(line.unframed) || !Array.isArray(line.unframed.box) || !Array.isArray(line.unframedDihedral)) throw new Error('bad line');
      const [x, y, width, height] = line.unframed.box.map(Number);
      // The fast decode reduces this JPEG about 3 times: within two of its pixels (the line that mixes frame and picture may stay in).
      for (const [found, truth] of [[x, 30], [y, 30], [width, 400], [height, 300]] as const) expect(Math.abs((found ?? -99) - truth)).toBeLessThanOrEqual(6);
      expect(line.unframedDihedral).toHaveLength(8);
      expect(line.unframedDihedral[0]).toBe(line.unframed.hash);
    });

    it('matches a framed copy to its original through the picture inside (the framed hash itself does not)', async () => {
      const original = JSON.parse((await hashfeed('--json', join(dir, 'folder', 'b.jpg'))).stdout);
      const framed = JSON.parse((await hashfeed('--json', '--unframe', join(dir, 'framed.jpg'))).stdout);
      expect(hexDistance(original.hash, framed.hash)).toBeGreaterThan(31);
      expect(hexDistance(original.hash, framed.unframed.hash)).toBeLessThanOrEqual(31);
    });

    it('adds nothing for a picture without a frame', async () => {
      const line: unknown = JSON.parse((await hashfeed('--json', '--unframe', '--dihedral', join(dir, 'folder', 'b.jpg'))).stdout);
      expect(isRecord(line) && Object.keys(line).sort()).toEqual(['algorithm', 'dihedral', 'hash', 'path', 'quality']);
    });

    it('prints a pdq/unframed line in text mode', async () => {
      const { stdout } = await hashfeed('--unframe', join(dir, 'framed.jpg'));
      expect(stdout.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['pdq', 'pdq/unframed']);
    });
  });

  it('prints the seven other dihedral variants as pdq/<variant> lines in text mode', async () => {
    const { stdout } = await hashfeed('--dihedral', join(dir, 'folder', 'b.jpg'));
    expect(stdout.trim().split('\n').map((l) => l.split(' ')[0])).toEqual([
      'pdq',
      'pdq/rotate90',
      'pdq/rotate180',
      'pdq/rotate270',
      'pdq/flipX',
      'pdq/flipY',
      'pdq/flipPlus1',
      'pdq/flipMinus1',
    ]);
  });

  it('reports a failing file on stderr in text mode and carries on', async () => {
    const { status, stdout, stderr } = await hashfeed(join(dir, 'empty.png'), join(dir, 'folder', 'b.jpg'));
    expect(status).toBe(1);
    expect(stderr).toContain(`${join(dir, 'empty.png')}: IMAGE_EMPTY:`);
    expect(stdout.split('\n')[0]).toMatch(/^pdq /);
  });

  it('hashes the same with --decode exact and fast, within 10 bits', async () => {
    const exact = (await hashfeed('--decode', 'exact', join(dir, 'folder', 'b.jpg'))).stdout.split(' ')[1] ?? '';
    const fast = (await hashfeed('--decode', 'fast', join(dir, 'folder', 'b.jpg'))).stdout.split(' ')[1] ?? '';
    let bits = 0;
    for (let i = 0; i < 64; i++) bits += (parseInt(exact[i] ?? '0', 16) ^ parseInt(fast[i] ?? '0', 16)).toString(2).replaceAll('0', '').length;
    expect(bits).toBeLessThanOrEqual(10);
  });

  describe('with --tolerant', () => {
    it('hashes a truncated JPEG as far as it decodes, as the sidecar scans it, and says partial', async () => {
      const { status, stdout } = await hashfeed('--json', '--tolerant', join(dir, 'broken.jpg'), join(dir, 'folder', 'b.jpg'));
      expect(status).toBe(0);
      const lines: unknown[] = stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toEqual([
        { path: join(dir, 'broken.jpg'), algorithm: 'pdq', hash: expect.stringMatching(/^[0-9a-f]{64}$/), quality: expect.any(Number), partial: true },
        { path: join(dir, 'folder', 'b.jpg'), algorithm: 'pdq', hash: expect.stringMatching(/^[0-9a-f]{64}$/), quality: expect.any(Number) },
      ]);
    });

    it('marks the lines of a partial decode on stderr in text mode', async () => {
      const { status, stderr } = await hashfeed('--tolerant', join(dir, 'broken.jpg'));
      expect(status).toBe(0);
      expect(stderr).toContain(`${join(dir, 'broken.jpg')}: partial:`);
    });
  });

  it('refuses images over --max-pixels with IMAGE_TOO_LARGE', async () => {
    const { status, stderr } = await hashfeed('--max-pixels', '1000', join(dir, 'folder', 'b.jpg'));
    expect(status).toBe(1);
    expect(stderr).toContain('IMAGE_TOO_LARGE');
  });

  describe('when the command line is wrong', () => {
    it.each([
      [['--algo', 'sha1', 'x.jpg'], 'unknown hash algorithm'],
      [['--decode', 'slow', 'x.jpg'], '--decode must be exact or fast'],
      [['--jobs', '0', 'x.jpg'], '--jobs must be a positive integer'],
      [['--frobnicate', 'x.jpg'], 'Unknown option'],
      [[], 'no files or folders given'],
    ])('%j exits 2 with a message and the usage', async (argv, message) => {
      const { status, stdout, stderr } = await hashfeed(...argv);
      expect(status).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(message);
      expect(stderr).toContain('usage: hashfeed hash');
    });

    it('prints the usage for --help and exits 0', async () => {
      const { status, stdout } = await hashfeed('--help');
      expect(status).toBe(0);
      expect(stdout).toContain('--decode exact|fast');
    });
  });

  describe.runIf(requireFfmpeg())('with --algo vpdq', () => {
    let clip = '';
    beforeAll(() => {
      mkdirSync(join(dir, 'videos'), { recursive: true });
      clip = join(dir, 'videos', 'clip.mp4');
      makeVideo(clip, { width: 160, height: 120, fps: 10, seconds: 3 });
      writeFileSync(join(dir, 'videos', 'broken.mp4'), readFileSync(clip).subarray(0, 2000));
    });

    it('prints {path, algorithm, durationSec, frames} with --json, one frame a second by default', async () => {
      const { status, stdout } = await hashfeed('--algo', 'vpdq', '--json', clip);
      expect(status).toBe(0);
      const line: unknown = JSON.parse(stdout);
      expect(line).toMatchObject({ path: clip, algorithm: 'vpdq', durationSec: 3 });
      const frames = isRecord(line) && Array.isArray(line.frames) ? line.frames : [];
      expect(frames.map((f: unknown) => (isRecord(f) ? [f.frame, f.timestamp] : []))).toEqual([[0, 0], [10, 1], [20, 2]]);
      expect(frames.every((f: unknown) => isRecord(f) && typeof f.hash === 'string' && /^[0-9a-f]{64}$/.test(f.hash) && typeof f.quality === 'number')).toBe(true);
    });

    it("prints the reference's lines without --json, every frame with --seconds-per-hash 0", async () => {
      const { status, stdout } = await hashfeed('--algo', 'vpdq', '--seconds-per-hash', '0', clip);
      expect(status).toBe(0);
      const lines = stdout.trim().split('\n');
      expect(lines.length).toBe(30);
      expect(lines[1]).toMatch(/^1,\d{1,3},[0-9a-f]{64},0\.100$/);
    });

    it('walks folders for video files and reports a broken one with its code, exit status 1', async () => {
      const { status, stdout } = await hashfeed('--algo', 'vpdq', '--json', join(dir, 'videos'));
      expect(status).toBe(1);
      const lines: unknown[] = stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => (isRecord(l) ? l.path : undefined))).toEqual([join(dir, 'videos', 'broken.mp4'), clip]);
      expect(lines[0]).toMatchObject({ error: { code: 'VIDEO_UNREADABLE' } });
    });

    it('adds md5 and sha256 of the file when asked', async () => {
      const { stdout } = await hashfeed('--algo', 'vpdq,md5,sha256', '--json', clip);
      const lines: unknown[] = stdout.trim().split('\n').map((l) => JSON.parse(l));
      const bytes = readFileSync(clip);
      expect(lines.slice(1)).toEqual([
        { path: clip, algorithm: 'md5', hash: createHash('md5').update(bytes).digest('hex'), quality: null },
        { path: clip, algorithm: 'sha256', hash: createHash('sha256').update(bytes).digest('hex'), quality: null },
      ]);
    });

    it('hashes a video with md5 and sha256 alone, as any file, without ffmpeg', async () => {
      const { status, stdout } = await hashfeed('--algo', 'md5,sha256', clip);
      expect(status).toBe(0);
      expect(stdout.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['md5', 'sha256']);
    });

    it.each([
      [['--algo', 'vpdq,pdq']],
      [['--algo', 'vpdq', '--seconds-per-hash', '-1']],
      [['--algo', 'vpdq', '--seconds-per-hash', 'often']],
      [['--seconds-per-hash', '1']],
    ])('refuses %j as a usage error', async (args) => {
      expect((await hashfeed(...args, clip)).status).toBe(2);
    });
  });
});
