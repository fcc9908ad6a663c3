import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MatchError } from './errors.ts';
import { createHammingIndex } from './hamming-index.ts';
import type { HashBits } from './plan.ts';
import { hammingBytes } from './popcount.ts';
import { clusteredHashes, flipBits, randomSource, uniformHashes } from './testing/synthetic.ts';
import { bruteForce } from './testing/brute-force.ts';
import { hashOf, manualScheduler, testIndex } from './testing/indexes.ts';
import type { IndicatorHash, VariantMatch } from './types.ts';

type Op =
  | { readonly kind: 'add'; readonly id: number; readonly pick: number }
  | { readonly kind: 'remove'; readonly id: number }
  | { readonly kind: 'delta'; readonly adds: readonly { id: number; pick: number }[]; readonly removes: readonly number[] }
  | { readonly kind: 'slice' }
  | { readonly kind: 'check'; readonly seed: number };

const id = fc.integer({ min: 0, max: 120 });
const pick = fc.nat();
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), id, pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), id }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('delta' as const),
      adds: fc.array(fc.record({ id: fc.integer({ min: 0, max: 400 }), pick }), { maxLength: 300 }),
      removes: fc.array(id, { maxLength: 20 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('slice' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('check' as const), seed: fc.nat() }) },
);

interface Config {
  readonly bits: HashBits;
  readonly engine: 'wasm' | 'js';
  readonly slots: readonly number[];
  readonly thresholds: readonly number[];
}

const configs: readonly Config[] = [
  { bits: 256, engine: 'wasm', slots: [11, 16, 13, 0], thresholds: [15, 16, 31, 32, 47, 63] },
  { bits: 256, engine: 'js', slots: [11, 16, 0], thresholds: [15, 31, 32, 63] },
  { bits: 64, engine: 'wasm', slots: [3, 4, 6, 0], thresholds: [0, 7, 8, 15] },
  { bits: 64, engine: 'js', slots: [3, 4, 0], thresholds: [5, 10, 15] },
];

describe('HammingIndex', () => {
  describe.each(configs)('with $bits-bit hashes on the $engine engine', (config) => {
    it('returns exactly what brute force returns through adds, upserts, removals, re-adds, deltas and compaction', async () => {
      const bytes = config.bits / 8;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...config.slots),
          fc.constantFrom(...config.thresholds),
          fc.boolean(),
          fc.integer({ min: 1, max: 2 ** 31 }),
          fc.array(op, { minLength: 5, maxLength: 30 }),
          async (slots, threshold, clustered, seed, ops) => {
            const next = randomSource(seed);
            // A pool of hashes to draw from: families of near-duplicates or uniform, with exact duplicates.
            const pool = clustered ? clusteredHashes(200, bytes, next, { maxFamily: 30, spread: threshold }) : uniformHashes(200, bytes, next);
            const hashAt = (p: number): Uint8Array => hashOf(pool, (p % 220) % 200, bytes);
            const scheduler = manualScheduler();
            // Slices of a microsecond: every merge spans several slices, with changes landing in between.
            const index = await testIndex({
              bits: config.bits,
              engine: config.engine,
              slots,
              threshold,
              tailCapacity: 16,
              autoCompact: true,
              schedule: scheduler.schedule,
              sliceMs: 0.001,
            });
            const model = new Map<number, Uint8Array>();
            const check = (querySeed: number): void => {
              const q = randomSource(querySeed + 1);
              const queries = [uniformHashes(1, bytes, q)];
              for (let i = 0; i < 4; i++) queries.push(flipBits(hashAt(q()), Math.max(0, threshold - 1 + (i % 3)), q));
              for (const query of queries) expect(index.search(query)).toEqual(bruteForce(model, query, threshold));
              expect(index.size).toBe(model.size);
            };
            for (const o of ops) {
              if (o.kind === 'add') {
                index.add(o.id, hashAt(o.pick));
                model.set(o.id, hashAt(o.pick));
              } else if (o.kind === 'remove') {
                expect(index.remove(o.id)).toBe(model.delete(o.id));
              } else if (o.kind === 'delta') {
                index.applyDelta({ removes: o.removes, adds: o.adds.map((a) => ({ id: a.id, hash: hashAt(a.pick) })) });
                for (const r of o.removes) model.delete(r);
                for (const a of o.adds) model.set(a.id, hashAt(a.pick));
              } else if (o.kind === 'slice') scheduler.runOne();
              else check(o.seed);
            }
            check(seed);
            const compacted = index.compact({ full: true });
            scheduler.runAll();
            await compacted;
            expect(index.stats().tombstones).toBe(0);
            check(seed + 7);
            for (const [key, hash] of model) expect(index.get(key)).toEqual(hash);
          },
        ),
        { numRuns: 12 },
      );
    });
  });

  describe('searchMany', () => {
    it('reports each matching id once with its closest variant, lowest index on ties, and every variant that matched', async () => {
      const index = await testIndex({ bits: 256, engine: 'wasm', slots: 11, threshold: 31 });
      const next = randomSource(3);
      const hashes = clusteredHashes(300, 32, next, { maxFamily: 20, spread: 20 });
      const entries: IndicatorHash[] = Array.from({ length: 300 }, (_, i) => ({ id: i + 1000, hash: hashOf(hashes, i, 32) }));
      index.applyDelta({ adds: entries });
      const base = hashOf(hashes, 42, 32);
      const variants = [flipBits(base.slice(), 20, next), flipBits(base.slice(), 12, next), uniformHashes(1, 32, next), base.slice(), base.slice()];
      const expected = new Map<number, VariantMatch>();
      variants.forEach((v, i) => {
        for (const e of entries) {
          const distance = hammingBytes(v, e.hash);
          if (distance > 31) continue;
          const seen = expected.get(e.id);
          if (seen === undefined) expected.set(e.id, { id: e.id, distance, variant: i, variants: 1 << i });
          else
            expected.set(e.id, {
              id: e.id,
              distance: Math.min(distance, seen.distance),
              variant: distance < seen.distance ? i : seen.variant,
              variants: seen.variants | (1 << i),
            });
        }
      });
      const want = [...expected.values()].sort((a, b) => a.distance - b.distance || a.id - b.id);
      expect(want.length).toBeGreaterThan(1);
      expect(index.searchMany(variants)).toEqual(want);
    });
  });

  describe('applyDelta', () => {
    it('counts additions, replacements, removals and missing ids', async () => {
      const index = await createHammingIndex({ bits: 64, engine: 'js' });
      const h = (b: number): Uint8Array => new Uint8Array(8).fill(b);
      expect(index.applyDelta({ adds: [{ id: 1, hash: h(1) }, { id: 2, hash: h(2) }] })).toEqual({ added: 2, replaced: 0, removed: 0, missing: 0 });
      expect(index.applyDelta({ removes: [2, 9], adds: [{ id: 1, hash: h(3) }, { id: 2, hash: h(2) }, { id: 1, hash: h(4) }] })).toEqual({
        added: 1,
        replaced: 1,
        removed: 1,
        missing: 1,
      });
      expect(index.get(1)).toEqual(h(4));
      expect(index.size).toBe(2);
    });

    it.each([
      { name: 'a hash of the wrong length', delta: { removes: [1], adds: [{ id: 5, hash: new Uint8Array(31) }] }, code: 'MATCH_BAD_HASH' },
      { name: 'a negative id', delta: { removes: [1], adds: [{ id: -1, hash: new Uint8Array(32) }] }, code: 'MATCH_BAD_ID' },
      { name: 'a fractional id in the removals', delta: { removes: [1, 2.5] }, code: 'MATCH_BAD_ID' },
      { name: 'packed hashes of the wrong total length', delta: { removes: [1], adds: { ids: Uint32Array.of(8, 9), hashes: new Uint8Array(33) } }, code: 'MATCH_BAD_HASH' },
    ])('changes nothing when the delta holds $name', async ({ delta, code }) => {
      const index = await createHammingIndex({ bits: 256, engine: 'wasm' });
      index.add(1, new Uint8Array(32).fill(7));
      expect(() => index.applyDelta(delta)).toThrow(expect.objectContaining({ code }));
      expect(index.size).toBe(1);
      expect(index.has(1)).toBe(true);
    });
  });

  describe('compaction', () => {
    it('merges small deltas in the background and drops tombstones on a full compaction', async () => {
      const index = await createHammingIndex({ bits: 256, engine: 'wasm', sliceMs: 1 });
      const next = randomSource(21);
      const model = new Map<number, Uint8Array>();
      for (let d = 0; d < 12; d++) {
        const hashes = uniformHashes(300, 32, next);
        const adds = Array.from({ length: 300 }, (_, i) => ({ id: d * 300 + i, hash: hashOf(hashes, i, 32) }));
        const removes = d === 0 ? [] : [d * 300 - 5, d * 300 - 17];
        index.applyDelta({ adds, removes });
        for (const a of adds) model.set(a.id, a.hash);
        for (const r of removes) model.delete(r);
      }
      await index.compact();
      expect(index.stats().segments.length).toBeLessThanOrEqual(4);
      await index.compact({ full: true });
      const stats = index.stats();
      expect(stats.segments).toHaveLength(1);
      expect(stats.tombstones).toBe(0);
      expect(stats.size).toBe(model.size);
      const q = flipBits(model.get(1234)?.slice() ?? new Uint8Array(32), 30, next);
      expect(index.search(q)).toEqual(bruteForce(model, q, 31));
    });
  });

  describe('when changes land while a merge is running', () => {
    it('keeps removals and replacements made to its sources after the swap', async () => {
      const scheduler = manualScheduler();
      const index = await testIndex({ bits: 256, engine: 'wasm', slots: 11, threshold: 31, autoCompact: true, schedule: scheduler.schedule, sliceMs: 0.001 });
      const next = randomSource(77);
      const hashes = uniformHashes(900, 32, next);
      const model = new Map<number, Uint8Array>();
      for (let d = 0; d < 3; d++) {
        const adds = Array.from({ length: 300 }, (_, i) => ({ id: d * 300 + i, hash: hashOf(hashes, d * 300 + i, 32) }));
        index.applyDelta({ adds });
        for (const a of adds) model.set(a.id, a.hash);
      }
      expect(scheduler.runOne()).toBe(true);
      expect(index.stats().compacting).toBe(true);
      const sources = index.stats().segments.length;
      index.remove(10);
      model.delete(10);
      const replacement = uniformHashes(1, 32, next);
      index.add(610, replacement);
      model.set(610, replacement);
      scheduler.runAll();
      expect(index.stats().compacting).toBe(false);
      expect(index.stats().segments.length).toBeLessThan(sources);
      expect(index.has(10)).toBe(false);
      expect(index.search(hashOf(hashes, 10, 32), 0)).toEqual([]);
      expect(index.search(hashOf(hashes, 610, 32), 0)).toEqual([]);
      expect(index.get(610)).toEqual(replacement);
      expect(index.size).toBe(model.size);
    });
  });

  describe('when given bad input', () => {
    it.each([
      { name: 'bits other than 64 or 256', run: () => createHammingIndex({ bits: 128 as HashBits }), code: 'MATCH_BAD_OPTIONS' },
      { name: 'a threshold above 63 for PDQ', run: () => createHammingIndex({ bits: 256, threshold: 64 }), code: 'MATCH_BAD_THRESHOLD' },
      { name: 'a threshold above 15 for 64-bit hashes', run: () => createHammingIndex({ bits: 64, threshold: 16 }), code: 'MATCH_BAD_THRESHOLD' },
      { name: 'a zero tail', run: () => createHammingIndex({ bits: 64, tailCapacity: 0 }), code: 'MATCH_BAD_OPTIONS' },
    ])('rejects $name', async ({ run, code }) => {
      await expect(run()).rejects.toThrow(expect.objectContaining({ code }));
    });

    it.each([
      { name: 'a short hash', run: (i: Awaited<ReturnType<typeof createHammingIndex>>) => i.search(new Uint8Array(8)), code: 'MATCH_BAD_HASH' },
      { name: 'a negative threshold', run: (i: Awaited<ReturnType<typeof createHammingIndex>>) => i.search(new Uint8Array(32), -1), code: 'MATCH_BAD_THRESHOLD' },
      { name: 'an id above 2^32 - 1', run: (i: Awaited<ReturnType<typeof createHammingIndex>>) => i.add(2 ** 32, new Uint8Array(32)), code: 'MATCH_BAD_ID' },
      { name: 'no variants', run: (i: Awaited<ReturnType<typeof createHammingIndex>>) => i.searchMany([]), code: 'MATCH_BAD_VARIANTS' },
      { name: '33 variants', run: (i: Awaited<ReturnType<typeof createHammingIndex>>) => i.searchMany(Array.from({ length: 33 }, () => new Uint8Array(32))), code: 'MATCH_BAD_VARIANTS' },
    ])('throws on $name', async ({ run, code }) => {
      const index = await createHammingIndex({ bits: 256 });
      expect(() => run(index)).toThrow(MatchError);
      expect(() => run(index)).toThrow(expect.objectContaining({ code }));
    });

    it('throws MATCH_CLOSED after close', async () => {
      const index = await createHammingIndex({ bits: 256 });
      index.close();
      expect(() => index.search(new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'MATCH_CLOSED' }));
    });
  });
});
