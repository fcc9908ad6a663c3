import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../testing/temp-dirs.ts';
import { makeVideo, requireFfmpeg } from './testing/synthetic-video.ts';
import { formatVpdqLine, hashVideo, vpdqFrameMod, vpdqTimestamp } from './vpdq.ts';

const hasFfmpeg = requireFfmpeg();

describe('vpdqFrameMod', () => {
  it.each([
    [1, 30, 30],
    [1, 29.97, 29],
    [0.5, 30000 / 1001, 14],
    [0, 30, 1],
    [1, 0.5, 1],
    [2, 25, 50],
  ])('is trunc(%s s x %s fps), at least 1: %s', (secondsPerHash, fps, expected) => {
    expect(vpdqFrameMod(secondsPerHash, fps)).toBe(expected);
  });
});

describe('formatVpdqLine', () => {
  const hash = 'e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c';

  it("prints the reference's line, timestamp frame / fps in float32 with 3 decimals", () => {
    expect(formatVpdqLine({ frame: 1, quality: 100, hash, timestamp: vpdqTimestamp(1, 30) })).toBe(`1,100,${hash},0.033`);
    expect(formatVpdqLine({ frame: 563, quality: 98, hash, timestamp: vpdqTimestamp(563, 30) })).toBe(`563,98,${hash},18.767`);
  });

  it("rounds exact ties to even, as C's printf does", () => {
    expect(formatVpdqLine({ frame: 1, quality: 100, hash, timestamp: vpdqTimestamp(1, 16) })).toBe(`1,100,${hash},0.062`);
    expect(formatVpdqLine({ frame: 3, quality: 100, hash, timestamp: vpdqTimestamp(3, 16) })).toBe(`3,100,${hash},0.188`);
  });
});

describe.runIf(hasFfmpeg)('hashVideo', () => {
  const dirs = tempDirs();
  let path = '';
  beforeAll(() => {
    path = join(dirs.make('vpdq-'), 'clip.mp4');
    makeVideo(path, { width: 320, height: 240, fps: 10, seconds: 3.5 });
  });
  afterAll(() => dirs.removeAll());

  describe('when hashing one frame a second', () => {
    it('hashes frames 0, fps, 2 fps... exactly as the every-frame list has them', async () => {
      const every = await hashVideo({ path }, { secondsPerHash: 0 });
      const perSecond = await hashVideo({ path }, { secondsPerHash: 1 });
      expect(every.frames.length).toBe(35);
      expect(perSecond.frameMod).toBe(10);
      expect(perSecond.frames.map((f) => f.frame)).toEqual([0, 10, 20, 30]);
      expect(perSecond.frames).toEqual(every.frames.filter((f) => f.frame % 10 === 0));
      expect(perSecond.durationSec).toBeCloseTo(3.5, 1);
      expect(perSecond.frames.every((f) => /^[0-9a-f]{64}$/.test(f.hash) && f.quality >= 50)).toBe(true);
    });
  });
});
