import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../testing/code-of.ts';
import type { IndicatorEntry } from './indicator-group.ts';
import { computeStateDigest, computeStateDigestV1, StateAccumulator } from './state-digest.ts';

const entryArb = (id: number): fc.Arbitrary<IndicatorEntry> =>
  fc.record({
    id: fc.constant(id),
    algorithm: fc.constantFrom('pdq', 'md5', 'sha256'),
    hash: fc.uint8Array({ minLength: 16, maxLength: 32 }),
    category: fc.constantFrom('A1', 'A2', 'B1'),
  });

/** A set of entries with distinct ids, as the active set always is. */
const setArb = (maxLength: number): fc.Arbitrary<IndicatorEntry[]> =>
  fc.uniqueArray(fc.integer({ min: 1, max: 0xffffffff }), { maxLength }).chain((ids) => fc.tuple(...ids.map(entryArb)));

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const byId = (a: IndicatorEntry, b: IndicatorEntry): number => a.id - b.id;

describe('the version 2 state digest (LtHash16 accumulator)', () => {
  describe('when entries are added in any order', () => {
    it('gives the same digest', () => {
      fc.assert(
        fc.property(setArb(20).chain((set) => fc.tuple(fc.constant(set), fc.shuffledSubarray(set, { minLength: set.length, maxLength: set.length }))), ([set, shuffled]) => {
          expect(hex(StateAccumulator.fromEntries(shuffled).digest())).toBe(hex(StateAccumulator.fromEntries(set).digest()));
        }),
        { numRuns: 50 },
      );
    });
  });

  describe('when an entry is added then removed', () => {
    it('leaves the accumulator as it was', () => {
      fc.assert(
        fc.property(setArb(10), entryArb(0), (set, extra) => {
          const accumulator = StateAccumulator.fromEntries(set);
          const before = hex(accumulator.toBytes());
          accumulator.add(extra);
          expect(hex(accumulator.toBytes())).not.toBe(before);
          accumulator.remove(extra);
          expect(hex(accumulator.toBytes())).toBe(before);
        }),
        { numRuns: 50 },
      );
    });
  });

  describe('after any sequence of deltas applied incrementally', () => {
    it('equals the digest recomputed from scratch, and survives a store and reload between deltas', () => {
      // Each step removes a subset of what is held and adds fresh ids.
      const stepsArb = fc.array(fc.tuple(fc.array(fc.nat(), { maxLength: 5 }), setArb(6)), { maxLength: 6 });
      fc.assert(
        fc.property(setArb(10), stepsArb, (initial, steps) => {
          const held = new Map(initial.map((e) => [e.id, e]));
          let stored = StateAccumulator.fromEntries(initial).toBytes();
          for (const [removePicks, adds] of steps) {
            const accumulator = StateAccumulator.fromBytes(stored);
            const ids = [...held.keys()];
            for (const pick of removePicks) {
              const id = ids[pick % Math.max(1, ids.length)];
              const entry = id === undefined ? undefined : held.get(id);
              if (entry === undefined) continue;
              held.delete(entry.id);
              accumulator.remove(entry);
            }
            for (const e of adds) {
              if (held.has(e.id)) continue;
              held.set(e.id, e);
              accumulator.add(e);
            }
            stored = accumulator.toBytes();
          }
          const fromScratch = computeStateDigest([...held.values()].sort(byId));
          expect(hex(StateAccumulator.fromBytes(stored).digest())).toBe(hex(fromScratch));
        }),
        { numRuns: 50 },
      );
    });
  });

  describe('when a delta is prepared apart and merged', () => {
    it('gives the same accumulator as adding and removing one by one', async () => {
      await fc.assert(
        fc.asyncProperty(setArb(12), fc.nat(12), async (set, split) => {
          const [held, added] = [set.slice(0, split), set.slice(split)];
          const removed = held.filter((_, i) => i % 2 === 0);
          const direct = StateAccumulator.fromEntries(held);
          for (const e of removed) direct.remove(e);
          for (const e of added) direct.add(e);
          const merged = StateAccumulator.fromEntries(held);
          merged.merge(await StateAccumulator.ofChange({ added, removed }, 3));
          expect(hex(merged.toBytes())).toBe(hex(direct.toBytes()));
        }),
        { numRuns: 30 },
      );
    });
  });

  describe('when one field of one entry differs', () => {
    it('gives a different digest', () => {
      const base: IndicatorEntry = { id: 7, algorithm: 'pdq', hash: new Uint8Array(32), category: 'A1' };
      const digests = [base, { ...base, id: 8 }, { ...base, algorithm: 'md5' }, { ...base, hash: new Uint8Array(32).fill(1) }, { ...base, category: 'A2' }].map((e) =>
        hex(computeStateDigest([e])),
      );
      expect(new Set(digests).size).toBe(digests.length);
    });
  });

  describe('when a stored accumulator has the wrong length', () => {
    it.each([0, 2047, 2049])('refuses %i bytes with DIGEST_STATE_MALFORMED', (length) => {
      expect(codeOf(() => StateAccumulator.fromBytes(new Uint8Array(length)))).toBe('DIGEST_STATE_MALFORMED');
    });
  });

  describe('compared with version 1', () => {
    it('is domain-separated: the same set never gives the same 32 bytes', () => {
      const set: IndicatorEntry[] = [{ id: 1, algorithm: 'pdq', hash: new Uint8Array(32), category: 'A1' }];
      expect(hex(computeStateDigest(set, 2))).not.toBe(hex(computeStateDigestV1(set)));
      expect(hex(computeStateDigest([], 2))).not.toBe(hex(computeStateDigestV1([])));
    });
  });
});

describe('entry(e) for hashes of 255 bytes or more (video frame lists)', () => {
  const manualV1 = (entries: readonly { id: number; algorithm: string; hashLength: Buffer; hash: Uint8Array; category: string }[]): string => {
    const sha = createHash('sha256').update('hashfeed-state-v1\n');
    for (const e of entries) {
      const id = Buffer.alloc(4);
      id.writeUInt32BE(e.id);
      sha.update(Buffer.concat([id, Buffer.from([e.algorithm.length]), Buffer.from(e.algorithm, 'latin1'), e.hashLength, e.hash, Buffer.from([e.category.length]), Buffer.from(e.category, 'latin1')]));
    }
    return sha.digest('hex');
  };

  it('writes the length as one byte under 255 (every earlier entry unchanged) and as 0xff then uint32be from 255 on', () => {
    const short = { id: 1, algorithm: 'vpdq', hash: new Uint8Array(64).fill(1), category: 'A1' };
    const long = { id: 2, algorithm: 'vpdq', hash: new Uint8Array(4096 * 32).fill(2), category: 'B2' };
    const at255 = { id: 3, algorithm: 'opaque', hash: new Uint8Array(255).fill(3), category: 'A1' };
    const longLength = Buffer.from([0xff, 0, 2, 0, 0]);
    expect(hex(computeStateDigestV1([short, long, at255]))).toBe(
      manualV1([
        { ...short, hashLength: Buffer.from([64]) },
        { ...long, hashLength: longLength },
        { ...at255, hashLength: Buffer.from([0xff, 0, 0, 0, 255]) },
      ]),
    );
  });

  it('adds and removes a 4096-frame entry in the accumulator like any other', () => {
    const long = { id: 9, algorithm: 'vpdq', hash: new Uint8Array(4096 * 32).fill(7), category: 'A1' };
    const small = { id: 1, algorithm: 'pdq', hash: new Uint8Array(32).fill(1), category: 'A1' };
    const accumulator = StateAccumulator.fromEntries([small]);
    const before = hex(accumulator.digest());
    accumulator.add(long);
    expect(hex(accumulator.digest())).toBe(hex(StateAccumulator.fromEntries([long, small]).digest()));
    accumulator.remove(long);
    expect(hex(accumulator.digest())).toBe(before);
  });
});
