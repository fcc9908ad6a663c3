import fc from 'fast-check';
import { packMsgpack, unpackMsgpack } from '../shared/crypto/msgpack.ts';

/**
 * Inputs for decoders: real encodings, the same encodings mutated (bytes
 * flipped, cut, extended, moved; decoded fields replaced, removed, added,
 * swapped) and plain random bytes or text. Every arbitrary here is capped in
 * size, so a run's memory is bounded by construction and any growth is the
 * decoder's.
 */

/** Cap on random inputs; mutations add at most a few hundred bytes to a real encoding. */
export const MAX_RANDOM_BYTES = 1024;

type ByteEdit =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'extend'; readonly bytes: Uint8Array }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'remove'; readonly at: number; readonly length: number }
  | { readonly kind: 'swap'; readonly at: number; readonly other: number; readonly length: number }
  | { readonly kind: 'repeat'; readonly at: number; readonly length: number; readonly times: number }
  | { readonly kind: 'ext'; readonly at: number; readonly type: number; readonly data: Uint8Array };

const position = fc.nat({ max: 1 << 20 });
const smallBytes = fc.uint8Array({ minLength: 1, maxLength: 64 });
// Bytes that mean something to msgpack and text parsers: type markers, lengths, separators.
const markerBytes = fc.constantFrom(0x00, 0x0a, 0x20, 0x22, 0x2c, 0x5b, 0x7b, 0x7f, 0x80, 0x90, 0x9f, 0xa0, 0xc0, 0xc1, 0xc4, 0xc5, 0xc6, 0xc7, 0xc9, 0xcf, 0xd3, 0xd4, 0xd6, 0xd7, 0xd8, 0xdc, 0xdd, 0xde, 0xdf, 0xff);

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: position, value: fc.oneof(markerBytes, fc.nat({ max: 255 })) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('extend' as const), bytes: smallBytes }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: smallBytes }),
  fc.record({ kind: fc.constant('remove' as const), at: position, length: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ kind: fc.constant('swap' as const), at: position, other: position, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('repeat' as const), at: position, length: fc.integer({ min: 1, max: 32 }), times: fc.integer({ min: 2, max: 8 }) }),
  // msgpack extension values in place of a byte: timestamps (-1) and the types msgpackr itself decodes (sets, errors, typed arrays, records...).
  fc.record({
    kind: fc.constant('ext' as const),
    at: position,
    type: fc.oneof(fc.constantFrom(0xff, 0x42, 0x62, 0x65, 0x69, 0x6d, 0x70, 0x72, 0x73, 0x74, 0x75, 0x78), fc.nat({ max: 255 })),
    data: fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.constantFrom(new Uint8Array(4), new Uint8Array(8), new Uint8Array(12))),
  }),
);

function applyByteEdit(bytes: Uint8Array, edit: ByteEdit): Uint8Array {
  const n = bytes.length;
  const at = n === 0 ? 0 : edit.kind === 'extend' ? 0 : edit.at % n;
  switch (edit.kind) {
    case 'flip': {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[at] = (out[at] ?? 0) ^ (1 << edit.bit);
      return out;
    }
    case 'set': {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[at] = edit.value;
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
    case 'extend':
      return Buffer.concat([bytes, edit.bytes]);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), edit.bytes, bytes.subarray(at)]);
    case 'remove':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + edit.length)]);
    case 'swap': {
      if (n === 0) return bytes;
      const other = edit.other % n;
      const length = Math.min(edit.length, n - Math.max(at, other));
      const out = bytes.slice();
      out.set(bytes.subarray(other, other + length), at);
      out.set(bytes.subarray(at, at + length), other);
      return out;
    }
    case 'ext': {
      const fixed = [1, 2, 4, 8, 16].indexOf(edit.data.length);
      const header = fixed >= 0 ? [0xd4 + fixed, edit.type] : [0xc7, edit.data.length, edit.type];
      return Buffer.concat([bytes.subarray(0, at), Uint8Array.from(header), edit.data, bytes.subarray(at + 1)]);
    }
    case 'repeat': {
      const piece = bytes.subarray(at, at + edit.length);
      return Buffer.concat([bytes.subarray(0, at), ...Array.from({ length: edit.times }, () => piece), bytes.subarray(at + edit.length)]);
    }
  }
}

/** `base` with one to four byte edits applied. */
export function mutatedBytes(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(base, fc.array(byteEdit, { minLength: 1, maxLength: 4 })).map(([bytes, edits]) => Uint8Array.from(edits.reduce(applyByteEdit, bytes)));
}

/** Values that sit on the edges of what decoders check: signs, integer widths, non-finite numbers, wrong types, long text. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -1, 1, 0.5, -0, NaN, Infinity, -Infinity, 255, 256, 2 ** 31, 2 ** 32, 2 ** 32 - 1, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), Number.MAX_VALUE, null, undefined, true, false, '', ' ', '\u0000', '\n', 'x'.repeat(4096)),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.uint8Array({ maxLength: 80 }),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 })), { maxLength: 8 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), fc.string({ maxLength: 8 })), { maxKeys: 4 }),
);

type TreeEdit =
  | { readonly kind: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'add'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly kind: 'swap'; readonly at: number; readonly other: number }
  | { readonly kind: 'duplicate'; readonly at: number };

const treeEdit: fc.Arbitrary<TreeEdit> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('replace' as const), at: position, value: hostileValue }), weight: 4 },
  fc.record({ kind: fc.constant('delete' as const), at: position }),
  fc.record({ kind: fc.constant('add' as const), at: position, key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString')), value: hostileValue }),
  { arbitrary: fc.record({ kind: fc.constant('swap' as const), at: position, other: position }), weight: 2 },
  fc.record({ kind: fc.constant('duplicate' as const), at: position }),
);

/** A slot in a decoded tree: a key of a map or an index of an array. */
interface Slot {
  readonly parent: Record<string, unknown> | unknown[];
  readonly key: string | number;
}

function slotsOf(value: unknown, into: Slot[] = []): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((item, key) => {
      into.push({ parent: value, key });
      slotsOf(item, into);
    });
  } else if (isMap(value)) {
    for (const [key, item] of Object.entries(value)) {
      into.push({ parent: value, key });
      slotsOf(item, into);
    }
  }
  return into;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function read(slot: Slot): unknown {
  return Array.isArray(slot.parent) ? slot.parent[Number(slot.key)] : slot.parent[String(slot.key)];
}

function write(slot: Slot, value: unknown): void {
  if (Array.isArray(slot.parent)) slot.parent[Number(slot.key)] = value;
  else Object.defineProperty(slot.parent, String(slot.key), { value, enumerable: true, writable: true, configurable: true });
}

function applyTreeEdit(tree: unknown, edit: TreeEdit): void {
  const slots = slotsOf(tree);
  const slot = slots[edit.at % Math.max(1, slots.length)];
  if (slot === undefined) return;
  switch (edit.kind) {
    case 'replace':
      return write(slot, edit.value);
    case 'delete':
      if (Array.isArray(slot.parent)) slot.parent.splice(Number(slot.key), 1);
      else delete slot.parent[String(slot.key)];
      return;
    case 'add': {
      const target = read(slot);
      if (Array.isArray(target)) target.push(edit.value);
      else if (isMap(target)) write({ parent: target, key: edit.key }, edit.value);
      else if (!Array.isArray(slot.parent)) write({ parent: slot.parent, key: edit.key }, edit.value);
      return;
    }
    case 'swap': {
      const other = slots[edit.other % slots.length];
      if (other === undefined) return;
      // Copies: swapping a field with one inside it must not make the tree contain itself.
      const mine = structuredClone(read(slot));
      write(slot, structuredClone(read(other)));
      write(other, mine);
      return;
    }
    case 'duplicate': {
      if (Array.isArray(slot.parent)) slot.parent.push(structuredClone(read(slot)));
      return;
    }
  }
}

/**
 * A real msgpack encoding decoded, edited at one to three places (a field
 * replaced by an edge value, removed, added, swapped with another, an array
 * item repeated) and encoded again: structurally plausible input that
 * reaches the guards behind the msgpack layer.
 */
export function mutatedMsgpack(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(base, fc.array(treeEdit, { minLength: 1, maxLength: 3 })).map(([bytes, edits]) => {
    const tree = structuredClone(unpackMsgpack(bytes));
    for (const edit of edits) applyTreeEdit(tree, edit);
    try {
      return packMsgpack(tree);
    } catch {
      // A value msgpack cannot carry (a bigint past 64 bits): the edit is dropped.
      return bytes;
    }
  });
}

/** Random bytes, some of them starting like a msgpack map or array so that they get past the first byte. */
export const randomBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: MAX_RANDOM_BYTES }),
  fc.tuple(markerBytes, fc.uint8Array({ maxLength: 256 })).map(([first, rest]) => Uint8Array.from([first, ...rest])),
);

/** Everything a msgpack decoder should meet: the real encodings, them mutated at byte and at field level, random bytes. */
export function hostileMsgpack(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: valid, weight: 1 },
    { arbitrary: mutatedBytes(valid), weight: 3 },
    { arbitrary: mutatedMsgpack(valid), weight: 5 },
    { arbitrary: randomBytes, weight: 2 },
  );
}

type LineEdit =
  | { readonly kind: 'remove'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number }
  | { readonly kind: 'swap'; readonly at: number; readonly other: number }
  | { readonly kind: 'insert'; readonly at: number; readonly line: string }
  | { readonly kind: 'replace'; readonly at: number; readonly line: string };

const hostileLine = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('', ' ', '\r', '\t', '\u2014 ', '\u2014 a b', 'old 0', 'old -1', 'old 01', '0', '18446744073709551616', '====', 'x'.repeat(5000)),
);
const lineEdit: fc.Arbitrary<LineEdit> = fc.oneof(
  fc.record({ kind: fc.constant('remove' as const), at: position }),
  fc.record({ kind: fc.constant('duplicate' as const), at: position }),
  fc.record({ kind: fc.constant('swap' as const), at: position, other: position }),
  fc.record({ kind: fc.constant('insert' as const), at: position, line: hostileLine }),
  fc.record({ kind: fc.constant('replace' as const), at: position, line: hostileLine }),
);

function applyLineEdit(lines: string[], edit: LineEdit): string[] {
  const at = lines.length === 0 ? 0 : edit.at % lines.length;
  const out = lines.slice();
  switch (edit.kind) {
    case 'remove':
      out.splice(at, 1);
      break;
    case 'duplicate':
      out.splice(at, 0, out[at] ?? '');
      break;
    case 'swap': {
      const other = lines.length === 0 ? 0 : edit.other % lines.length;
      [out[at], out[other]] = [out[other] ?? '', out[at] ?? ''];
      break;
    }
    case 'insert':
      out.splice(at, 0, edit.line);
      break;
    case 'replace':
      out[at] = edit.line;
      break;
  }
  return out;
}

/** A line-based text (notes, checkpoints, CSV, NDJSON) with lines removed, repeated, swapped, inserted or replaced. */
export function mutatedLines(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(base, fc.array(lineEdit, { minLength: 1, maxLength: 3 })).map(([text, edits]) => edits.reduce(applyLineEdit, text.split('\n')).join('\n'));
}

const utf8 = new TextEncoder();
const lossy = new TextDecoder();

/** Everything a text decoder should meet: the real texts, edited by line and by byte, random text. */
export function hostileText(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: valid, weight: 1 },
    { arbitrary: mutatedLines(valid), weight: 4 },
    { arbitrary: mutatedBytes(valid.map((text) => utf8.encode(text))).map((bytes) => lossy.decode(bytes)), weight: 4 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: MAX_RANDOM_BYTES }), weight: 1 },
    { arbitrary: fc.string({ maxLength: MAX_RANDOM_BYTES }), weight: 1 },
  );
}

/** As hostileText, kept as bytes (invalid UTF-8 included) for decoders that read bytes. */
export function hostileTextBytes(valid: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: hostileText(valid).map((text) => utf8.encode(text)), weight: 3 },
    { arbitrary: mutatedBytes(valid.map((text) => utf8.encode(text))), weight: 3 },
    { arbitrary: randomBytes, weight: 1 },
  );
}
