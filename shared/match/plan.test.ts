import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ballSize, bytesPerIndicator, candidatePlans, estimateCost, planSegment, slotRadius, type HashBits } from './plan.ts';

describe('slotRadius', () => {
  it('leaves exactly T + 1 bits of slack over all slots, so the probes are exact and no wider than needed', () => {
    // A pair at distance d escapes every probe only if each slot k differs in
    // more than radius(k) bits, i.e. d >= sum(radius(k) + 1). That sum must be T + 1.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 0, max: 63 }), (m, t) => {
        let slack = 0;
        for (let k = 0; k < m; k++) slack += Math.max(0, slotRadius(k, m, t) + 1);
        expect(slack).toBe(t + 1);
      }),
    );
  });

  it.each([
    { m: 16, t: 31, radii: [1, 1, 1, 1] },
    { m: 11, t: 31, radii: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1] },
    { m: 16, t: 5, radii: [0, 0, 0, 0, 0, 0, -1, -1] },
  ])('gives radius floor(T/m) to the first T mod m + 1 slots and one less after ($m slots, T=$t)', ({ m, t, radii }) => {
    expect(radii.map((_, k) => slotRadius(k, m, t))).toEqual(radii);
  });
});

describe('ballSize', () => {
  it.each([
    { n: 16, r: 1, size: 17 },
    { n: 24, r: 2, size: 1 + 24 + 276 },
    { n: 3, r: 5, size: 8 },
    { n: 10, r: 0, size: 1 },
  ])('counts the keys of $n bits within $r: $size', ({ n, r, size }) => {
    expect(ballSize(n, r)).toBe(size);
  });
});

describe('candidatePlans', () => {
  it.each([64, 256] as const)('cut %i bits into contiguous slots of at most 32 bits with valid tables', (bits: HashBits) => {
    for (const plan of candidatePlans(bits, 100_000)) {
      let next = 0;
      for (const s of plan.slots) {
        expect(s.start).toBe(next);
        expect(s.width).toBeLessThanOrEqual(32);
        expect(s.tableBits + s.remBits).toBe(s.width);
        expect(s.remBits).toBeLessThanOrEqual(8);
        next += s.width;
      }
      expect(next).toBe(bits);
    }
  });
});

describe('planSegment', () => {
  describe('when the segment is small', () => {
    it('scans it', () => {
      expect(planSegment({ bits: 256, rows: 1000, threshold: 31, maxBytesPerIndicator: 96 }).slots).toHaveLength(0);
    });
  });

  describe('for PDQ at T = 31', () => {
    it.each([1e6, 1e7])('picks a multi-index layout with slots near log2 N bits within the budget (N = %i)', (rows) => {
      const plan = planSegment({ bits: 256, rows, threshold: 31, maxBytesPerIndicator: 96 });
      expect(plan.slots.length).toBeGreaterThanOrEqual(10);
      expect(plan.slots.length).toBeLessThanOrEqual(13);
      expect(bytesPerIndicator(plan, rows)).toBeLessThanOrEqual(96);
      expect(estimateCost(plan, rows, 31).candidates).toBeLessThan(rows / 1000);
    });
  });

  describe('when no multi-index layout fits the budget', () => {
    it('falls back to a scan (36 bytes per indicator)', () => {
      const plan = planSegment({ bits: 256, rows: 1e6, threshold: 31, maxBytesPerIndicator: 60 });
      expect(plan.slots).toHaveLength(0);
      expect(bytesPerIndicator(plan, 1e6)).toBeLessThan(37);
    });
  });
});
