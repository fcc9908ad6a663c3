import { describe, expect, it } from 'vitest';
import { matchFactsOf } from './match-facts.ts';

describe('matchFactsOf', () => {
  describe('when matches span several algorithms', () => {
    it("keeps the closest match's algorithm and only its indicators", () => {
      const facts = matchFactsOf([
        { indicatorId: 1, algorithm: 'pdq', distance: 6 },
        { indicatorId: 2, algorithm: 'md5', distance: 0 },
        { indicatorId: 3, algorithm: 'pdq', distance: 2 },
      ]);
      expect(facts).toEqual({ algorithm: 'md5', distance: 0, indicatorIds: [2] });
    });

    it('gives a tie to the earlier match', () => {
      const facts = matchFactsOf([
        { indicatorId: 5, algorithm: 'pdq', distance: 0 },
        { indicatorId: 4, algorithm: 'md5', distance: 0 },
      ]);
      expect(facts).toEqual({ algorithm: 'pdq', distance: 0, indicatorIds: [5] });
    });
  });

  describe('when one algorithm matched several times', () => {
    it('keeps every indicator once, under the smallest distance', () => {
      const facts = matchFactsOf([
        { indicatorId: 9, algorithm: 'pdq', distance: 20 },
        { indicatorId: 9, algorithm: 'pdq', distance: 4 },
        { indicatorId: 7, algorithm: 'pdq', distance: 12 },
      ]);
      expect(facts).toEqual({ algorithm: 'pdq', distance: 4, indicatorIds: [9, 7] });
    });
  });

  describe('when nothing matched', () => {
    it('is undefined', () => {
      expect(matchFactsOf([])).toBeUndefined();
    });
  });
});
