import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IndicatorEntry } from '../../shared/wire/indicator-group.ts';
import { Matcher } from './matcher.ts';
import { randomSource } from '../../shared/match/testing/synthetic.ts';
import { videoIndicatorValue } from '../../shared/video-match/index.ts';
import { nearCopy, randomFrames } from '../../shared/video-match/testing/frame-lists.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';

const dirs = tempDirs();
afterEach(() => dirs.removeAll());

const entry = (id: number, algorithm: string, bytes: number): IndicatorEntry => ({ id, algorithm, hash: randomBytes(bytes), category: 'A1' });
const flip = (hash: Uint8Array, bits: number): Uint8Array => {
  const out = Uint8Array.from(hash);
  for (let i = 0; i < bits; i++) out[i >> 3] = (out[i >> 3] ?? 0) ^ (1 << (i & 7));
  return out;
};

function source(entries: IndicatorEntry[], version: number) {
  return {
    entries: (except?: string) => entries.filter((e) => e.algorithm !== except),
    state: () => ({ version, stateDigest: Uint8Array.from([version]) }),
  };
}

describe('Matcher', () => {
  const entries = [...Array.from({ length: 200 }, (_, i) => entry(i + 1, 'pdq', 32)), entry(500, 'md5', 16), entry(501, 'phash64', 8)];

  describe('when matching', () => {
    it('finds a PDQ within the threshold, exact hashes only when equal, and names the dihedral variant', async () => {
      const m = await Matcher.create(entries);
      const target = entries[7]!;
      expect(m.match([{ algorithm: 'pdq', hash: flip(target.hash, 30) }])).toEqual([{ indicatorId: 8, algorithm: 'pdq', distance: 30, variant: 'original' }]);
      expect(m.match([{ algorithm: 'pdq', hash: flip(target.hash, 40) }])).toEqual([]);
      const variants = [randomBytes(32), randomBytes(32), target.hash, randomBytes(32), randomBytes(32), randomBytes(32), randomBytes(32), randomBytes(32)];
      expect(m.match([{ algorithm: 'pdq', hash: variants[0]!, dihedrals: variants }])).toMatchObject([{ indicatorId: 8, variant: 'rotate180' }]);
      expect(m.match([{ algorithm: 'md5', hash: entries[200]!.hash }])).toMatchObject([{ indicatorId: 500, distance: 0 }]);
      expect(m.match([{ algorithm: 'md5', hash: flip(entries[200]!.hash, 1) }])).toEqual([]);
      expect(m.match([{ algorithm: 'phash64', hash: flip(entries[201]!.hash, 3) }])).toMatchObject([{ indicatorId: 501, distance: 3 }]);
      m.close();
    });
  });

  describe('when a delta is applied', () => {
    it('removes and adds in place', async () => {
      const m = await Matcher.create(entries);
      const added = entry(900, 'pdq', 32);
      m.applySync({ version: 2, replaced: false, removes: [8, 500], adds: [added] });
      expect(m.match([{ algorithm: 'pdq', hash: entries[7]!.hash }])).toEqual([]);
      expect(m.match([{ algorithm: 'md5', hash: entries[200]!.hash }])).toEqual([]);
      expect(m.match([{ algorithm: 'pdq', hash: added.hash }])).toMatchObject([{ indicatorId: 900 }]);
      expect(m.size).toBe(entries.length - 1);
      m.close();
    });
  });

  describe('when asked which algorithms it holds (a scan computes only those)', () => {
    it('says so per algorithm, and stops once the last of one is removed', async () => {
      const m = await Matcher.create(entries);
      expect(['pdq', 'phash64', 'dhash64', 'md5', 'sha256'].filter((a) => m.holds(a))).toEqual(['pdq', 'phash64', 'md5']);
      m.applySync({ version: 2, replaced: false, removes: [500, 501], adds: [entry(600, 'sha256', 32)] });
      expect(['pdq', 'phash64', 'dhash64', 'md5', 'sha256'].filter((a) => m.holds(a))).toEqual(['pdq', 'sha256']);
      m.close();
    });
  });

  describe('with the index file beside the replica', () => {
    it('loads it when it was saved at the same state, and rebuilds when not', async () => {
      const dir = join(dirs.make('hf-matcher-'), 'index');
      const m = await Matcher.create(entries);
      m.save(dir, source(entries, 3).state());
      m.close();
      expect(existsSync(join(dir, 'pdq.index'))).toBe(true);

      // Same state: the PDQ index comes from the file (so it holds what was saved, whatever the source says now).
      const loaded = await Matcher.open(source([entries[200]!, entries[201]!], 3), dir);
      expect(loaded.size).toBe(entries.length);
      expect(loaded.match([{ algorithm: 'pdq', hash: entries[3]!.hash }])).toMatchObject([{ indicatorId: 4 }]);
      loaded.close();

      // Another version: the file is ignored and the replica is the truth.
      const rebuilt = await Matcher.open(source([entries[200]!, entries[201]!], 4), dir);
      expect(rebuilt.size).toBe(2);
      expect(rebuilt.match([{ algorithm: 'pdq', hash: entries[3]!.hash }])).toEqual([]);
      rebuilt.close();
    });
  });

  describe('when the replica holds video indicators and indicators of unknown algorithms', () => {
    const next = randomSource(17);
    const known = randomFrames(30, next);
    const other = randomFrames(30, next);
    const video = (id: number, frames: ReturnType<typeof randomFrames>): IndicatorEntry => ({ id, algorithm: 'vpdq', hash: videoIndicatorValue(frames), category: 'A1' });
    const held = [entry(1, 'pdq', 32), video(2, known), video(3, other), entry(4, 'tmk-pdqf', 300), entry(5, 'tmk-pdqf', 12), entry(6, 'sha1', 20)];

    it('matches video frame lists in the video index, and holds the unknown ones unmatched and counted', async () => {
      const m = await Matcher.create(held);
      expect(m.size).toBe(6);
      expect(m.holds('vpdq')).toBe(true);
      expect(m.matchVideo(nearCopy(known, 8, next, 30))).toMatchObject([{ indicatorId: 2, candidateShare: 1, queryShare: 1, timestamps: [30, 31, 32, 33, 34] }]);
      expect(m.match([{ algorithm: 'pdq', hash: held[3]!.hash.subarray(0, 32) }])).toEqual([]);
      expect(m.skipped()).toEqual([{ algorithm: 'sha1', indicators: 1 }, { algorithm: 'tmk-pdqf', indicators: 2 }]);

      m.applySync({ version: 2, replaced: false, removes: [2, 4, 6], adds: [video(7, known.slice(0, 10))] });
      expect(m.matchVideo(known).map((x) => x.indicatorId)).toEqual([7]);
      expect(m.skipped()).toEqual([{ algorithm: 'tmk-pdqf', indicators: 1 }]);
      expect(m.size).toBe(4);

      await m.apply({ version: 3, replaced: true, removes: [], adds: [held[0]!, video(3, other)] });
      expect(m.matchVideo(known)).toEqual([]);
      expect(m.matchVideo(other).map((x) => x.indicatorId)).toEqual([3]);
      expect(m.skipped()).toEqual([]);
      m.close();
    });
  });
});
