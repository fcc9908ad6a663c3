import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMsgpack } from './codec.ts';
import { decodeDelta, encodeDelta, type Delta } from './delta.ts';
import { groupEntries, groupsFromEntries } from './indicator-group.ts';
import { codeOf } from '../testing/code-of.ts';
import { feedHashLayout } from './hash-layout.ts';

const hashLength = feedHashLayout;

function sampleDelta(): Delta {
  const { groups: adds, categories } = groupsFromEntries([
    ...[1, 2, 3].map((id) => ({ id, algorithm: 'pdq', hash: randomBytes(32), category: id === 2 ? 'B2' : 'A1' })),
    { id: 9, algorithm: 'md5', hash: randomBytes(16), category: 'A1' },
  ]);
  return {
    feed: 'eu-centre',
    version: 5,
    previous: 4,
    createdAt: 1_790_000_000_000,
    categories,
    adds,
    removes: { ids: Uint32Array.from([4, 7]), reasons: Uint8Array.from([0, 1]) },
    reasonCodes: ['FALSE_POSITIVE', 'WITHDRAWN'],
    stateDigest: randomBytes(32),
  };
}


/** The wire fields of a delta other than its groups, for hand-built variants. */
function encodeMsgpackable(d: Delta): Record<string, unknown> {
  return { feed: d.feed, version: d.version, previous: d.previous, createdAt: d.createdAt, reasonCodes: d.reasonCodes, stateDigest: d.stateDigest };
}

describe('delta', () => {
  describe('when encoded and decoded', () => {
    it('gives back the same delta', () => {
      const delta = sampleDelta();
      const decoded = decodeDelta(encodeDelta(delta), hashLength, 1 << 20);
      const pdqGroup = decoded.adds.find((g) => g.algorithm === 'pdq')!;
      expect(pdqGroup.ids).toEqual(Uint32Array.from([1, 2, 3]));
      expect([...groupEntries(pdqGroup, decoded.categories)].map((e) => e.category)).toEqual(['A1', 'B2', 'A1']);
      expect(Buffer.from(decoded.stateDigest)).toEqual(Buffer.from(delta.stateDigest));
      expect(decoded.removes.ids).toEqual(delta.removes.ids);
    });

    it('carries stateDigestVersion 2, and reads a delta without the field as version 1 encoded byte for byte as before', () => {
      const v2 = decodeDelta(encodeDelta({ ...sampleDelta(), stateDigestVersion: 2 }), hashLength, 1 << 20);
      expect(v2.stateDigestVersion).toBe(2);
      const v1 = sampleDelta();
      const v1Bytes = encodeDelta(v1);
      expect(decodeDelta(v1Bytes, hashLength, 1 << 20).stateDigestVersion).toBe(1);
      expect(Buffer.from(encodeDelta({ ...v1, stateDigestVersion: 1 }))).toEqual(Buffer.from(v1Bytes));
    });

    it('carries vpdq frame lists of any length, and groups of an algorithm it does not know as opaque bytes', () => {
      const video = (frames: number, fill: number): Uint8Array => new Uint8Array(frames * 32).fill(fill);
      const { groups, categories } = groupsFromEntries([
        { id: 11, algorithm: 'vpdq', hash: video(3, 1), category: 'A1' },
        { id: 12, algorithm: 'pdq', hash: randomBytes(32), category: 'A1' },
        { id: 14, algorithm: 'vpdq', hash: video(4096, 2), category: 'B2' },
        { id: 16, algorithm: 'tmk-pdqf', hash: new Uint8Array(300).fill(3), category: 'A1' },
        { id: 17, algorithm: 'tmk-pdqf', hash: new Uint8Array(5).fill(4), category: 'A1' },
      ]);
      const decoded = decodeDelta(encodeDelta({ ...sampleDelta(), categories, adds: groups }), hashLength, 1 << 20);
      const entries = decoded.adds.flatMap((g) => [...groupEntries(g, decoded.categories)]);
      expect(entries.map((e) => [e.id, e.algorithm, e.hash.byteLength, e.category])).toEqual([
        [12, 'pdq', 32, 'A1'],
        [16, 'tmk-pdqf', 300, 'A1'],
        [17, 'tmk-pdqf', 5, 'A1'],
        [11, 'vpdq', 96, 'A1'],
        [14, 'vpdq', 4096 * 32, 'B2'],
      ]);
      expect(entries.find((e) => e.id === 14)?.hash.every((b) => b === 2)).toBe(true);
      // A group of an unknown algorithm with hashes of one length needs no lengths column.
      const opaque = { algorithm: 'sha1', ids: Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 2]), hashes: new Uint8Array(40).fill(9), categories: new Uint8Array(2) };
      const wire = { ...Object.fromEntries(Object.entries(encodeMsgpackable(sampleDelta()))), categories: ['A1'], adds: [opaque], removes: { ids: new Uint8Array(0), reasons: new Uint8Array(0) } };
      const sha1 = decodeDelta(encodeMsgpack(wire), hashLength, 1 << 20).adds[0];
      expect(sha1 === undefined ? [] : [...groupEntries(sha1, ['A1'])].map((e) => [e.id, e.hash.byteLength])).toEqual([[1, 20], [2, 20]]);
    });

    it('costs at most 48 bytes per PDQ indicator on the wire', () => {
      const entries = Array.from({ length: 10_000 }, (_, i) => ({ id: i + 1, algorithm: 'pdq', hash: randomBytes(32), category: i % 3 ? 'A1' : 'B2' }));
      const { groups, categories } = groupsFromEntries(entries);
      const bytes = encodeDelta({ ...sampleDelta(), categories, adds: groups });
      expect(bytes.byteLength / entries.length).toBeLessThanOrEqual(48);
    });
  });

  describe('when the bytes are hostile', () => {
    const base = (): Record<string, unknown> => {
      const d = sampleDelta();
      return {
        feed: d.feed, version: d.version, previous: d.previous, createdAt: d.createdAt, categories: d.categories,
        adds: [], removes: { ids: new Uint8Array(0), reasons: new Uint8Array(0) }, reasonCodes: d.reasonCodes, stateDigest: d.stateDigest,
      };
    };
    it.each([
      ['an unknown field', { ...base(), extra: 1 }, 'WIRE_UNKNOWN_FIELD'],
      ['a missing field', (() => { const b = base(); delete b.stateDigest; return b; })(), 'WIRE_MISSING_FIELD'],
      ['a version that skips', { ...base(), version: 7 }, 'WIRE_BAD_FIELD'],
      ['a short digest', { ...base(), stateDigest: new Uint8Array(31) }, 'WIRE_BAD_FIELD'],
      ['a stateDigestVersion of 1 written out', { ...base(), stateDigestVersion: 1 }, 'WIRE_BAD_FIELD'],
      ['an unknown stateDigestVersion', { ...base(), stateDigestVersion: 3 }, 'WIRE_BAD_FIELD'],
      ['hashes of an unknown algorithm that do not divide evenly', { ...base(), categories: ['A1'], adds: [{ algorithm: 'sha1', ids: new Uint8Array(8).fill(0, 0, 4).fill(1, 4), hashes: new Uint8Array(21), categories: new Uint8Array(2) }] }, 'WIRE_BAD_FIELD'],
      ['vpdq hashes without lengths', { ...base(), categories: ['A1'], adds: [{ algorithm: 'vpdq', ids: new Uint8Array(4), hashes: new Uint8Array(64), categories: new Uint8Array(1) }] }, 'WIRE_MISSING_FIELD'],
      ['vpdq lengths that are not whole frames', { ...base(), categories: ['A1'], adds: [{ algorithm: 'vpdq', ids: new Uint8Array(4), hashes: new Uint8Array(48), categories: new Uint8Array(1), lengths: Uint8Array.from([0, 0, 0, 48]) }] }, 'WIRE_BAD_FIELD'],
      ['vpdq lengths past 4096 frames', { ...base(), categories: ['A1'], adds: [{ algorithm: 'vpdq', ids: new Uint8Array(4), hashes: new Uint8Array(4097 * 32), categories: new Uint8Array(1), lengths: Uint8Array.from([0, 2, 0, 32]) }] }, 'WIRE_BAD_FIELD'],
      ['vpdq lengths that do not sum to the hashes', { ...base(), categories: ['A1'], adds: [{ algorithm: 'vpdq', ids: new Uint8Array(4), hashes: new Uint8Array(96), categories: new Uint8Array(1), lengths: Uint8Array.from([0, 0, 0, 64]) }] }, 'WIRE_BAD_FIELD'],
      ['lengths on a fixed-length algorithm', { ...base(), categories: ['A1'], adds: [{ algorithm: 'pdq', ids: new Uint8Array(4), hashes: new Uint8Array(32), categories: new Uint8Array(1), lengths: Uint8Array.from([0, 0, 0, 32]) }] }, 'WIRE_BAD_FIELD'],
      ['hashes of the wrong length', { ...base(), adds: [{ algorithm: 'pdq', ids: new Uint8Array(4), hashes: new Uint8Array(31), categories: new Uint8Array(1) }] }, 'WIRE_BAD_FIELD'],
      ['a category outside the table', { ...base(), categories: ['A1'], adds: [{ algorithm: 'pdq', ids: new Uint8Array(4), hashes: new Uint8Array(32), categories: Uint8Array.from([1]) }] }, 'WIRE_BAD_FIELD'],
      ['ids out of order', { ...base(), categories: ['A1'], adds: [{ algorithm: 'pdq', ids: Uint8Array.from([0, 0, 0, 2, 0, 0, 0, 1]), hashes: new Uint8Array(64), categories: new Uint8Array(2) }] }, 'WIRE_BAD_FIELD'],
      ['an id both added and removed', { ...base(), categories: ['A1'], adds: [{ algorithm: 'pdq', ids: Uint8Array.from([0, 0, 0, 2]), hashes: new Uint8Array(32), categories: new Uint8Array(1) }], removes: { ids: Uint8Array.from([0, 0, 0, 2]), reasons: new Uint8Array(1) } }, 'WIRE_DUPLICATE_ID'],
      ['a map instead of an array', { ...base(), adds: {} }, 'WIRE_BAD_FIELD'],
    ])('refuses %s', (_name, value, code) => {
      expect(codeOf(() => decodeDelta(encodeMsgpack(value), hashLength, 1 << 20))).toBe(code);
    });

    it('refuses trailing bytes after the object', () => {
      const bytes = encodeDelta(sampleDelta());
      expect(codeOf(() => decodeDelta(Buffer.concat([bytes, Uint8Array.from([0xc0])]), hashLength, 1 << 20))).toBe('WIRE_TRAILING_BYTES');
    });

    it('refuses a payload over the cap before decoding it', () => {
      expect(codeOf(() => decodeDelta(encodeDelta(sampleDelta()), hashLength, 16))).toBe('WIRE_TOO_LARGE');
    });

    it('never throws anything but a coded error on random bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
          const code = codeOf(() => decodeDelta(bytes, hashLength, 1 << 20));
          expect(code).toMatch(/^WIRE_/);
        }),
      );
    });
  });
});
