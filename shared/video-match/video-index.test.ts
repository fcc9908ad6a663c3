import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { flipBits, randomSource } from '../match/testing/synthetic.ts';
import { VideoMatchError } from './errors.ts';
import { videoIndicatorValue, type VideoFrame } from './frames.ts';
import { compareFrameLists } from './oracle.ts';
import type { VideoMatchRule } from './rule.ts';
import { nearCopy, randomFrames } from './testing/frame-lists.ts';
import { VideoIndex, type VideoMatch } from './video-index.ts';

const open: VideoIndex[] = [];
afterEach(() => {
  for (const index of open.splice(0)) index.close();
});

async function indexOf(videos: ReadonlyMap<number, readonly VideoFrame[]>, engine: 'wasm' | 'js' = 'wasm'): Promise<VideoIndex> {
  const index = await VideoIndex.create({ engine });
  open.push(index);
  index.applyDelta({ adds: [...videos].map(([id, frames]) => ({ id, value: videoIndicatorValue(frames) })) });
  return index;
}

/** What the oracle says the index must answer: every video the query matches, with the counts behind its shares. */
function oracle(query: readonly VideoFrame[], videos: ReadonlyMap<number, readonly VideoFrame[]>, rule?: Partial<VideoMatchRule>): object[] {
  const out: object[] = [];
  for (const [indicatorId, frames] of videos) {
    const c = compareFrameLists(query, frames, rule);
    if (c.matches) out.push({ indicatorId, candidateMatched: c.candidateMatched, candidateFrames: c.candidateFrames, queryMatched: c.queryMatched, queryFrames: c.queryFrames });
  }
  return out.sort((a, b) => Reflect.get(a, 'indicatorId') - Reflect.get(b, 'indicatorId'));
}

const counts = (matches: readonly VideoMatch[]): object[] =>
  matches
    .map(({ indicatorId, candidateMatched, candidateFrames, queryMatched, queryFrames }) => ({ indicatorId, candidateMatched, candidateFrames, queryMatched, queryFrames }))
    .sort((a, b) => a.indicatorId - b.indicatorId);

describe('VideoIndex', () => {
  describe('when the query is a re-encoded copy of an indicator', () => {
    it('matches it with both shares and the first matching query timestamps', async () => {
      const next = randomSource(7);
      const known = randomFrames(40, next);
      const other = randomFrames(40, next);
      const index = await indexOf(new Map([[1, known], [2, other]]));
      const query = nearCopy(known, 12, next, 100);
      const [match, ...rest] = index.match(query);
      expect(rest).toEqual([]);
      expect(match).toMatchObject({ indicatorId: 1, candidateShare: 1, queryShare: 1, candidateFrames: 40, queryFrames: 40 });
      expect(match?.timestamps).toEqual([100, 101, 102, 103, 104]);
    });
  });

  describe('when frames sit at the distance threshold', () => {
    it('counts a frame 31 bits away as matched and one 32 bits away as not (inclusive, as PDQ image matching)', async () => {
      const next = randomSource(11);
      const known = randomFrames(10, next);
      const index = await indexOf(new Map([[5, known]]));
      const at31 = nearCopy(known, 31, next);
      const at32 = nearCopy(known, 32, next);
      expect(index.match(at31)[0]).toMatchObject({ indicatorId: 5, candidateMatched: 10 });
      expect(index.match(at32)).toEqual([]);
      // Eight frames of ten at 31 bits, two at 32: 80% of C exactly, Pc = 80 is met.
      const mixed = [...at31.slice(0, 8), ...at32.slice(8)];
      expect(index.match(mixed)[0]).toMatchObject({ candidateMatched: 8, candidateShare: 0.8 });
      expect(index.match(mixed, { candidateShare: 81 })).toEqual([]);
    });
  });

  describe('when the query holds only part of the video, or much else besides', () => {
    it('applies Pc to the indicator and Pq to the query', async () => {
      const next = randomSource(3);
      const known = randomFrames(20, next);
      const index = await indexOf(new Map([[9, known]]));
      const clip = known.slice(0, 10);
      expect(index.match(clip)).toEqual([]);
      expect(index.match(clip, { candidateShare: 50 })[0]).toMatchObject({ candidateShare: 0.5, queryShare: 1 });
      const padded = [...known, ...randomFrames(60, next)];
      expect(index.match(padded)[0]).toMatchObject({ candidateShare: 1, queryShare: 0.25 });
      expect(index.match(padded, { queryShare: 30 })).toEqual([]);
    });
  });

  describe('when frames are of low quality or repeated', () => {
    it('drops frames under quality 50 and counts identical hashes once, on both sides', async () => {
      const next = randomSource(5);
      const good = randomFrames(8, next);
      const poor = randomFrames(8, next, 49);
      const repeated = [...good, ...good.map((f) => ({ ...f, timestamp: f.timestamp + 50 }))];
      const index = await indexOf(new Map([[1, [...repeated, ...poor]]]));
      const [match] = index.match([...repeated, ...poor]);
      expect(match).toMatchObject({ candidateFrames: 8, queryFrames: 8, candidateMatched: 8 });
      expect(index.match(poor)).toEqual([]);
    });
  });

  describe('when videos share frames', () => {
    it('reports each video through the shared postings, and keeps the others after a removal', async () => {
      const next = randomSource(13);
      const shared = randomFrames(10, next);
      const a = [...shared, ...randomFrames(2, next)];
      const b = [...shared, ...randomFrames(2, next)];
      const index = await indexOf(new Map([[1, a], [2, b]]));
      expect(index.frameCount).toBe(14);
      expect(index.match(shared).map((m) => m.indicatorId)).toEqual([1, 2]);
      expect(index.remove(1)).toBe(true);
      expect(index.frameCount).toBe(12);
      expect(index.match(shared).map((m) => m.indicatorId)).toEqual([2]);
      expect(index.remove(1)).toBe(false);
      index.remove(2);
      expect(index.frameCount).toBe(0);
      expect(index.match(b)).toEqual([]);
    });
  });

  describe('when given a bad value or rule', () => {
    it('refuses with a code and changes nothing', async () => {
      const index = await indexOf(new Map());
      expect(() => index.applyDelta({ adds: [{ id: 1, value: new Uint8Array(33) }] })).toThrow(VideoMatchError);
      expect(index.size).toBe(0);
      expect(() => index.match([], { candidateShare: 101 })).toThrow(expect.objectContaining({ code: 'VIDEO_BAD_OPTIONS' }));
    });
  });

  describe.each(['wasm', 'js'] as const)('against the brute-force oracle (%s engine)', (engine) => {
    it('answers exactly what compareFrameLists answers, through adds, replacements and removals', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 2 ** 31 }),
          fc.array(fc.record({ id: fc.integer({ min: 0, max: 12 }), frames: fc.integer({ min: 1, max: 30 }), from: fc.option(fc.integer({ min: 0, max: 12 })) }), { minLength: 1, maxLength: 12 }),
          fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 4 }),
          fc.record({ source: fc.integer({ min: 0, max: 12 }), flips: fc.integer({ min: 20, max: 40 }), keep: fc.integer({ min: 1, max: 40 }), extra: fc.integer({ min: 0, max: 20 }), poor: fc.integer({ min: 0, max: 5 }) }),
          fc.record({ candidateShare: fc.constantFrom(0, 50, 80, 100), queryShare: fc.constantFrom(0, 10, 50) }),
          async (seed, adds, removes, q, rule) => {
            const next = randomSource(seed);
            const videos = new Map<number, VideoFrame[]>();
            const index = await VideoIndex.create({ engine });
            open.push(index);
            for (const add of adds) {
              // Some videos reuse another's frames (re-uploads, shared intros), some are fresh.
              const base = add.from === null ? undefined : videos.get(add.from);
              const frames = base === undefined ? randomFrames(add.frames, next) : [...base.slice(0, add.frames), ...randomFrames(2, next)];
              // A few low-quality and repeated frames in the list as submitted.
              const listed = [...frames, ...randomFrames(next() % 3, next, 10), ...frames.slice(0, next() % 3)];
              videos.set(add.id, listed);
              index.add(add.id, videoIndicatorValue(listed));
            }
            for (const id of removes) {
              expect(index.remove(id)).toBe(videos.delete(id));
            }
            const source = videos.get(q.source) ?? randomFrames(10, next);
            const query = [
              ...source.slice(0, q.keep).map((f) => ({ ...f, hash: flipBits(f.hash.slice(), next() % (q.flips + 1), next) })),
              ...randomFrames(q.extra, next),
              ...randomFrames(q.poor, next, 30),
            ];
            expect(counts(index.match(query, rule))).toEqual(oracle(query, videos, rule));
            expect(index.size).toBe(videos.size);
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});
