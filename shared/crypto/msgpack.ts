import { Packr } from 'msgpackr';
import { msgpackShapeProblem } from './msgpack-shape.ts';

/**
 * The msgpack configuration for envelopes and certificates: standard maps,
 * no records extension, no bundled strings (docs/PROTOCOL.md, "Encoding").
 * It matches the feed layer's codec, so any msgpack library reads both.
 */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, bundleStrings: false, moreTypes: false, variableMapSize: true });

export function packMsgpack(value: unknown): Uint8Array {
  const packed = packr.pack(value);
  return new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength);
}

/**
 * Decodes exactly one msgpack value into `unknown` (a guard must check it).
 * Throws an Error for malformed input (a declared length the bytes do not
 * hold among them, checked before decoding) or trailing bytes; callers wrap
 * it in their domain's code.
 */
export function unpackMsgpack(bytes: Uint8Array): unknown {
  // Lengths are checked first: msgpackr allocates what a header declares before reading a byte of it.
  const problem = msgpackShapeProblem(bytes);
  if (problem !== null) throw new Error(problem);
  const values = packr.unpackMultiple(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) ?? [];
  if (values.length > 1) throw new TrailingBytesError(values.length);
  if (values.length === 0) throw new Error('expected one msgpack value, found none');
  return values[0];
}

/** More than one value where exactly one is signed: callers map it to their TRAILING_BYTES code. */
export class TrailingBytesError extends Error {
  constructor(count: number) {
    super(`expected exactly one msgpack value, found ${count}`);
  }
}

/** A plain decoded map (no class instances, no Uint8Array, no arrays). */
export function isPlainRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The keys of `record` that are not in `allowed`. */
export function unknownKeys(record: Readonly<Record<string, unknown>>, allowed: readonly string[]): string[] {
  return Object.keys(record).filter((key) => !allowed.includes(key));
}
