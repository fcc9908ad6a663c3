import { describe, expect, it } from 'vitest';
import { compareFrameLists, DEFAULT_VPDQ_MATCH_RULE } from './vpdq-match-rule.ts';

/** A 256-bit hash (hex) with the first `ones` bits set: distance between two is the difference. */
function hashWithBits(ones: number): string {
  const bytes = new Uint8Array(32);
  for (let k = 0; k < ones; k++) bytes[k >> 3]! |= 0x80 >> (k & 7);
  return Buffer.from(bytes).toString('hex');
}

const frame = (ones: number, quality = 100) => ({ hash: hashWithBits(ones), quality });

describe('compareFrameLists', () => {
  describe('when the lists are the same video', () => {
    it('matches both ways with every frame', () => {
      const list = [frame(0), frame(100), frame(200)];
      expect(compareFrameLists(list, list)).toMatchObject({ queryMatchedShare: 1, candidateMatchedShare: 1, matches: true });
    });
  });

  describe('when frames differ by the threshold', () => {
    it('matches at distance 31 and not at 32 (<= D, as hashfeed compares PDQ)', () => {
      expect(compareFrameLists([frame(0)], [frame(31)]).matches).toBe(true);
      expect(compareFrameLists([frame(0)], [frame(32)]).matches).toBe(false);
    });
  });

  describe('when frames are of low quality', () => {
    it('drops frames under 50 before counting', () => {
      const candidate = [frame(0), frame(100, 49), frame(200, 10)];
      const result = compareFrameLists([frame(0)], candidate);
      expect(result).toMatchObject({ candidateFrames: 1, candidateMatchedShare: 1, matches: true });
    });

    it('matches nothing when a side has no frame left', () => {
      expect(compareFrameLists([frame(0, 20)], [frame(0)])).toMatchObject({ queryFrames: 0, matches: false });
    });
  });

  describe('when hashes repeat', () => {
    it('counts each unique hash once', () => {
      const candidate = [frame(0), frame(0), frame(0), frame(0), frame(200)];
      const result = compareFrameLists([frame(0)], candidate);
      expect(result).toMatchObject({ candidateFrames: 2, candidateMatchedShare: 0.5, matches: false });
    });
  });

  describe('when the query is a long video containing the candidate', () => {
    it("applies Pc to the candidate's frames and Pq (0) to the query's", () => {
      const candidate = [frame(0), frame(100)];
      const query = [frame(0), frame(100), frame(200), frame(250), frame(150)];
      const result = compareFrameLists(query, candidate);
      expect(result).toMatchObject({ candidateMatchedShare: 1, queryMatchedShare: 0.4, matches: true });
      expect(compareFrameLists(query, candidate, { ...DEFAULT_VPDQ_MATCH_RULE, queryShare: 0.5 }).matches).toBe(false);
      // The other way round the clip is the query and covers too little of the long candidate.
      expect(compareFrameLists(candidate, query).matches).toBe(false);
    });
  });
});
