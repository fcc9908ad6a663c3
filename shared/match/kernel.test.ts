import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SegmentedIndex } from './hamming-index.ts';
import type { HashBits } from './plan.ts';
import { clusteredHashes, flipBits, randomSource, uniformHashes } from './testing/synthetic.ts';
import { bruteForce } from './testing/brute-force.ts';
import { hashOf, testIndex } from './testing/indexes.ts';

interface Case {
  readonly bits: HashBits;
  readonly slots: number;
  readonly threshold: number;
}

const cases: readonly Case[] = [
  { bits: 256, slots: 11, threshold: 31 },
  { bits: 256, slots: 16, threshold: 32 },
  { bits: 256, slots: 13, threshold: 47 },
  { bits: 256, slots: 21, threshold: 63 },
  { bits: 64, slots: 3, threshold: 10 },
  { bits: 64, slots: 4, threshold: 15 },
  { bits: 64, slots: 6, threshold: 8 },
];

async function loaded(c: Case, engine: 'wasm' | 'js', kernelPath: 'auto' | 'js', hashes: Uint8Array, ids: Uint32Array): Promise<SegmentedIndex> {
  const index = await testIndex({ bits: c.bits, engine, slots: c.slots, threshold: c.threshold, kernelPath });
  index.applyDelta({ adds: { ids, hashes } });
  return index;
}

function dataset(c: Case, seed: number, rows: number, clustered: boolean): { hashes: Uint8Array; ids: Uint32Array; queries: Uint8Array[] } {
  const next = randomSource(seed);
  const bytes = c.bits / 8;
  const hashes = clustered ? clusteredHashes(rows, bytes, next, { maxFamily: 40, spread: Math.floor(c.threshold / 2) }) : uniformHashes(rows, bytes, next);
  // Duplicates under other ids: the last tenth repeats rows of the first.
  for (let r = Math.floor(rows * 0.9); r < rows; r++) hashes.copyWithin(r * bytes, (r % 50) * bytes, (r % 50) * bytes + bytes);
  const ids = Uint32Array.from({ length: rows }, (_, i) => i * 3 + 7);
  const queries: Uint8Array[] = [];
  for (let q = 0; q < 24; q++) {
    const near = hashOf(hashes, next() % rows, bytes);
    // Around the pigeonhole edge: T - 1, T, T + 1 bits away, and a few far away.
    queries.push(q % 4 === 3 ? uniformHashes(1, bytes, next) : flipBits(near, c.threshold - 1 + (q % 3), next));
  }
  return { hashes, ids, queries };
}

describe('the WebAssembly and JS kernels', () => {
  describe.each(cases)('with $bits-bit hashes, $slots slots, T = $threshold', (c) => {
    it('build byte-identical segment images', async () => {
      const { hashes, ids } = dataset(c, 11, 700, true);
      const wasm = await loaded(c, 'wasm', 'auto', hashes, ids);
      const js = await loaded(c, 'js', 'auto', hashes, ids);
      expect(wasm.engine).toBe('wasm');
      expect(js.engine).toBe('js');
      const images = (index: SegmentedIndex): string[] =>
        index.segments.map((s) => createHash('sha256').update(s.mem.u8.subarray(s.layout.imageStart, s.layout.imageEnd)).digest('hex'));
      expect(images(wasm)).toEqual(images(js));
      expect(wasm.segments.map((s) => s.plan.slots.length)).toEqual([c.slots]);
    });

    it('report the same matches and the same work as each other and as brute force', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 }), fc.boolean(), async (seed, clustered) => {
          const { hashes, ids, queries } = dataset(c, seed, 400, clustered);
          const reference = new Map<number, Uint8Array>();
          ids.forEach((id, row) => reference.set(id, hashOf(hashes, row, c.bits / 8)));
          const indexes = [await loaded(c, 'wasm', 'auto', hashes, ids), await loaded(c, 'wasm', 'js', hashes, ids), await loaded(c, 'js', 'auto', hashes, ids)];
          for (const q of queries) {
            const expected = bruteForce(reference, q, c.threshold);
            const work = indexes.map((index) => {
              const before = index.stats().searches;
              expect(index.search(q, c.threshold)).toEqual(expected);
              const after = index.stats().searches;
              return [after.probes - before.probes, after.entries - before.entries, after.candidates - before.candidates];
            });
            expect(work[1]).toEqual(work[0]);
            expect(work[2]).toEqual(work[0]);
          }
        }),
        { numRuns: 4 },
      );
    });
  });

  describe('when a row is reachable through many slots', () => {
    it('reports it once per query hash', async () => {
      const c: Case = { bits: 256, slots: 16, threshold: 31 };
      const next = randomSource(5);
      const hashes = uniformHashes(300, 32, next);
      const ids = Uint32Array.from({ length: 300 }, (_, i) => i);
      const index = await loaded(c, 'wasm', 'auto', hashes, ids);
      const exact = hashOf(hashes, 17, 32);
      const found = index.search(exact);
      expect(found.filter((m) => m.id === 17)).toEqual([{ id: 17, distance: 0 }]);
      expect(index.stats().searches.candidates).toBeGreaterThanOrEqual(16);
    });
  });

  describe('when more rows match than the WASM out buffer holds', () => {
    it('falls back to the JS kernel and still returns every match', async () => {
      const c: Case = { bits: 256, slots: 11, threshold: 31 };
      const rows = 600;
      const hashes = new Uint8Array(rows * 32).fill(0xa5);
      const ids = Uint32Array.from({ length: rows }, (_, i) => i);
      const index = await loaded(c, 'wasm', 'auto', hashes, ids);
      const q = hashOf(hashes, 0, 32);
      const other = flipBits(q.slice(), 3, randomSource(9));
      const many = index.searchMany([q, other]);
      expect(many).toHaveLength(rows);
      expect(many.every((m) => m.distance === 0 && m.variant === 0 && m.variants === 3)).toBe(true);
    });
  });
});
