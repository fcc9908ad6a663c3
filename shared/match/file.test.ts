import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHammingIndex } from './hamming-index.ts';
import { flipBits, randomSource, uniformHashes } from './testing/synthetic.ts';
import { hashOf, testIndex } from './testing/indexes.ts';
import type { HammingIndex } from './types.ts';

const dir = mkdtempSync(join(tmpdir(), 'hashfeed-match-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** An index with two frozen segments (one multi-index), tombstones, and rows still in the tail. */
async function populated(): Promise<{ index: HammingIndex; queries: Uint8Array[] }> {
  const index = await testIndex({ bits: 256, engine: 'wasm', slots: 11, threshold: 31, tailCapacity: 64 });
  const next = randomSource(99);
  const hashes = uniformHashes(700, 32, next);
  index.applyDelta({ adds: { ids: Uint32Array.from({ length: 600 }, (_, i) => i * 2), hashes: hashes.subarray(0, 600 * 32) } });
  index.applyDelta({ adds: { ids: Uint32Array.from({ length: 300 }, (_, i) => 5000 + i), hashes: hashes.subarray(100 * 32, 400 * 32) } });
  for (let i = 0; i < 40; i++) index.add(9000 + i, hashOf(hashes, 600 + i, 32));
  for (const id of [0, 2, 4, 5002, 9001]) index.remove(id);
  const queries = [0, 1, 2, 150, 610, 639].map((row) => flipBits(hashOf(hashes, row, 32), 30, next));
  return { index, queries };
}

describe('serialize and loadHammingIndex', () => {
  describe('when the bytes are intact', () => {
    it.each(['wasm', 'js'] as const)('give back an index that answers the same on the %s engine', async (engine) => {
      const { index, queries } = await populated();
      const loaded = await loadHammingIndex(concat(index.serialize()), { engine });
      expect(loaded.engine).toBe(engine);
      expect(loaded.size).toBe(index.size);
      expect(loaded.threshold).toBe(31);
      for (const q of queries) expect(loaded.search(q)).toEqual(index.search(q));
      expect(loaded.has(5002)).toBe(false);
      expect(loaded.get(9039)).toEqual(index.get(9039));
    });

    it('round-trips through a file written by save', async () => {
      const { index, queries } = await populated();
      const path = join(dir, 'index.bin');
      index.save(path);
      const loaded = await loadHammingIndex(path);
      for (const q of queries) expect(loaded.search(q)).toEqual(index.search(q));
      expect(loaded.stats().tombstones).toBe(index.stats().tombstones - index.stats().tail.rows + index.stats().tail.live);
    });
  });

  describe('with 64-bit hashes', () => {
    it('keeps the hash size and threshold of the file', async () => {
      const index = await testIndex({ bits: 64, engine: 'js', slots: 3, threshold: 12 });
      const hashes = uniformHashes(500, 8, randomSource(4));
      index.applyDelta({ adds: { ids: Uint32Array.from({ length: 500 }, (_, i) => i), hashes } });
      const loaded = await loadHammingIndex(concat(index.serialize()));
      expect([loaded.bits, loaded.threshold, loaded.size]).toEqual([64, 12, 500]);
      const q = flipBits(hashOf(hashes, 7, 8), 12, randomSource(5));
      expect(loaded.search(q)).toEqual(index.search(q));
    });
  });

  describe('when the bytes are damaged', () => {
    it.each([
      { name: 'a flipped bit in a hash', damage: (b: Uint8Array) => b.map((x, i) => (i === Math.floor(b.length / 2) ? x ^ 1 : x)) },
      { name: 'a missing last byte', damage: (b: Uint8Array) => b.subarray(0, b.length - 1) },
      { name: 'an extra byte', damage: (b: Uint8Array) => concat([b, Uint8Array.of(0)]) },
      { name: 'another magic', damage: (b: Uint8Array) => b.map((x, i) => (i === 0 ? 0x58 : x)) },
      { name: 'another version', damage: (b: Uint8Array) => b.map((x, i) => (i === 8 ? 2 : x)) },
      { name: 'a slot wider than 32 bits', damage: (b: Uint8Array) => b.map((x, i) => (i === 8 + 16 + 8 + 16 + 4 ? 40 : x)) },
      { name: 'only a header', damage: (b: Uint8Array) => b.subarray(0, 20) },
    ])('rejects $name with MATCH_BAD_FILE', async ({ damage }) => {
      const { index } = await populated();
      const bytes = damage(concat(index.serialize()));
      await expect(loadHammingIndex(bytes)).rejects.toThrow(expect.objectContaining({ code: 'MATCH_BAD_FILE' }));
    });

    it('rejects a path that does not exist with MATCH_BAD_FILE', async () => {
      await expect(loadHammingIndex(join(dir, 'absent.bin'))).rejects.toThrow(expect.objectContaining({ code: 'MATCH_BAD_FILE' }));
    });
  });
});
