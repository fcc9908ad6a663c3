import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clopperPearson, cumulative, hamming, histogram, rate, roc } from './stats.ts';

describe('histogram and cumulative', () => {
  it('counts each distance and accumulates to the total', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 16 })), (ds) => {
        const h = histogram(ds, 16);
        expect(h).toHaveLength(17);
        expect(cumulative(h)[16]).toBe(ds.length);
        for (let t = 0; t <= 16; t++) expect(cumulative(h)[t]).toBe(ds.filter((d) => d <= t).length);
      }),
    );
  });
});

describe('clopperPearson', () => {
  it.each([
    // Reference values (R: binom.test(k, n)$conf.int).
    [0, 10, 0, 0.3084971],
    [5, 10, 0.187086, 0.812914],
    [10, 10, 0.6915029, 1],
    [1, 100, 0.0002531460, 0.0544593],
  ])('matches the exact interval for %i of %i', (k, n, lower, upper) => {
    const [lo, hi] = clopperPearson(k, n, 0.05);
    expect(lo).toBeCloseTo(lower, 5);
    expect(hi).toBeCloseTo(upper, 5);
  });

  it('gives about 3.7/n as the upper bound for no events in many trials', () => {
    const [, hi] = clopperPearson(0, 100_000, 0.05);
    expect(hi * 100_000).toBeCloseTo(3.689, 2);
  });

  it('always brackets the observed rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const k = Math.round(f * n);
        const r = rate(k, n);
        expect(r.lower95).toBeLessThanOrEqual(r.rate + 1e-12);
        expect(r.upper95).toBeGreaterThanOrEqual(r.rate - 1e-12);
      }),
      { numRuns: 50 },
    );
  });
});

describe('roc', () => {
  it('runs from the strictest threshold to one that accepts everything', () => {
    const same = histogram([0, 1, 2, 10], 16);
    const different = histogram([8, 12, 16, 16], 16);
    const points = roc(same, different);
    expect(points[0]).toEqual({ threshold: 0, tpr: 0.25, fpr: 0 });
    expect(points[9]).toEqual({ threshold: 9, tpr: 0.75, fpr: 0.25 });
    expect(points[16]).toEqual({ threshold: 16, tpr: 1, fpr: 1 });
  });

  it('never reaches full recall when some true pairs cannot match at all', () => {
    const points = roc(histogram([0, 0], 4), histogram([4], 4), 2);
    expect(points[4]?.tpr).toBe(0.5);
  });
});

describe('hamming', () => {
  it('is a metric on byte strings', () => {
    const bytes = fc.uint8Array({ minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(bytes, bytes, bytes, (a, b, c) => {
        expect(hamming(a, a)).toBe(0);
        expect(hamming(a, b)).toBe(hamming(b, a));
        expect(hamming(a, c)).toBeLessThanOrEqual(hamming(a, b) + hamming(b, c));
      }),
    );
    expect(hamming(Uint8Array.of(0xff, 0x0f), Uint8Array.of(0, 0))).toBe(12);
  });
});
