import { describe, expect, it } from 'vitest';
import { packMsgpack, unpackMsgpack } from './msgpack.ts';
import { thrown } from '../testing/code-of.ts';

const header = (marker: number, count: number): Buffer => {
  const bytes = Buffer.alloc(5);
  bytes[0] = marker;
  bytes.writeUInt32BE(count, 1);
  return bytes;
};

describe('unpackMsgpack', () => {
  describe('when the bytes are one standard value', () => {
    it('gives it back', () => {
      const value = { feed: 'eu-centre', version: 3, ids: [1, 2, 3], digest: new Uint8Array(32).fill(7), next: null, stale: false };
      expect(unpackMsgpack(packMsgpack(value))).toEqual({ ...value, digest: Buffer.from(value.digest) });
    });
  });

  // Found by fuzzing (fuzz/targets/trust.ts, root-document): msgpackr allocates an array of the declared length before
  // reading an item, so eight nested array32 headers of 20 million items (40 bytes) held 1.8 GB and 6 s of CPU.
  describe('when a container declares more items than the bytes hold', () => {
    it.each([
      ['an array32 of 20 million items', header(0xdd, 20_000_000)],
      ['eight nested array32 headers', Buffer.concat(Array.from({ length: 8 }, () => header(0xdd, 20_000_000)))],
      ['a map32 of 20 million entries', header(0xdf, 20_000_000)],
      ['an array16 of 3 items holding 2', Buffer.from([0xdc, 0x00, 0x03, 0x01, 0x02])],
      ['a bin32 longer than the bytes', Buffer.concat([header(0xc6, 1_000_000), Buffer.alloc(8)])],
    ])('refuses %s before decoding it', (_name, bytes) => {
      const err = thrown(() => unpackMsgpack(bytes));
      expect(err).toBeInstanceOf(Error);
      expect(String(err)).toMatch(/declares more than the bytes hold/);
    });
  });

  // PROTOCOL 1: no msgpack extension types. msgpackr decodes its own by default: regular expressions, errors, sets,
  // typed arrays, references that make a value contain itself.
  describe('when the bytes hold an extension type', () => {
    it.each([
      ['a regular expression (0x78)', Buffer.concat([Buffer.from([0xd4, 0x78, 0x00]), Buffer.from(packMsgpack(['a+', 'g']))])],
      ['a set (0x73)', Buffer.concat([Buffer.from([0xd4, 0x73, 0x00]), Buffer.from(packMsgpack([1, 2]))])],
      ['a timestamp (-1)', Buffer.from([0xd6, 0xff, 0x00, 0x00, 0x00, 0x01])],
      ['a typed array (0x74)', Buffer.from([0xc7, 0x05, 0x74, 0x08, 0x00, 0x00, 0x00, 0x00])],
      ['an ext 8 of type 0, whose data msgpackr would read as values', Buffer.concat([Buffer.from([0xc7, 0x05, 0x00]), header(0xdd, 20_000_000)])],
    ])('refuses %s', (_name, bytes) => {
      expect(String(thrown(() => unpackMsgpack(bytes)))).toMatch(/extension type/);
    });

    it("reads msgpackr's own undefined (fixext 1 of type 0), which it writes for a field left undefined", () => {
      expect(unpackMsgpack(packMsgpack({ a: 1, b: undefined }))).toEqual({ a: 1, b: undefined });
    });
  });
});
