import { createHash } from 'node:crypto';
import { LtHash16 } from '../crypto/lthash.ts';
import { WireError } from './errors.ts';
import type { IndicatorEntry } from './indicator-group.ts';

/**
 * The definitions of a feed object's `stateDigest` (docs/PROTOCOL.md 8.4).
 * 1: SHA-256 over the whole active set in id order (objects without a
 *    `stateDigestVersion` field, published before version 2 existed).
 * 2: SHA-256 over an LtHash16 accumulator of the entries, updated per
 *    delta in O(size of the delta).
 */
export type StateDigestVersion = 1 | 2;
export const STATE_DIGEST_VERSION: StateDigestVersion = 2;

const DOMAIN_V1 = 'hashfeed-state-v1\n';
const DOMAIN_V2 = 'hashfeed-state-v2\n';
const ENTRY_DOMAIN_V2 = 'hashfeed-state-v2-entry\n';
/** The longest entry of a hash under 255 bytes: every entry before video, written into reusable buffers. */
const MAX_SHORT_ENTRY_BYTES = 4 + 1 + 255 + 1 + 254 + 1 + 255;
/** A hash this long or longer (vpdq's frame lists) has its length as 0xff then uint32be (docs/PROTOCOL.md 8.4). */
const LONG_HASH = 0xff;

/** entry(e)'s length in bytes. */
function entryBytes(e: IndicatorEntry): number {
  return 4 + 1 + e.algorithm.length + (e.hash.byteLength < LONG_HASH ? 1 : 5) + e.hash.byteLength + 1 + e.category.length;
}

/**
 * uint32be(id) || u8(len alg) || alg || hashLength || hash || u8(len cat) || cat, written at `offset`; returns the end.
 * hashLength is u8(len) for a hash under 255 bytes (so every entry of the image and file algorithms, and every
 * digest signed before video, is unchanged), else 0xff || uint32be(len).
 */
function writeEntry(e: IndicatorEntry, buf: Buffer, offset: number): number {
  let at = buf.writeUInt32BE(e.id, offset);
  at = buf.writeUInt8(e.algorithm.length, at);
  at += buf.write(e.algorithm, at, 'latin1');
  if (e.hash.byteLength < LONG_HASH) at = buf.writeUInt8(e.hash.byteLength, at);
  else at = buf.writeUInt32BE(e.hash.byteLength, buf.writeUInt8(LONG_HASH, at));
  buf.set(e.hash, at);
  at += e.hash.byteLength;
  at = buf.writeUInt8(e.category.length, at);
  return at + buf.write(e.category, at, 'latin1');
}

/** Version 1's hash, fed one entry at a time so that a caller can yield between slices. */
class StateDigestV1Hasher {
  readonly #sha256 = createHash('sha256').update(DOMAIN_V1);
  // Entries are batched into one buffer: a million small update() calls cost more than the hashing.
  readonly #buf = Buffer.alloc(1 << 16);
  #offset = 0;
  #last = -1;

  push(e: IndicatorEntry): void {
    if (e.id <= this.#last) throw new WireError('WIRE_BAD_FIELD', `state entries out of id order at ${e.id}`);
    this.#last = e.id;
    const length = entryBytes(e);
    if (this.#offset + length > this.#buf.length) {
      this.#sha256.update(this.#buf.subarray(0, this.#offset));
      this.#offset = 0;
    }
    if (length > this.#buf.length) {
      const own = Buffer.alloc(length);
      this.#sha256.update(own.subarray(0, writeEntry(e, own, 0)));
      return;
    }
    this.#offset = writeEntry(e, this.#buf, this.#offset);
  }

  digest(): Uint8Array {
    this.#sha256.update(this.#buf.subarray(0, this.#offset));
    return new Uint8Array(this.#sha256.digest());
  }
}

/**
 * Version 1: SHA-256 over the active set in ascending id order, O(N). Kept
 * to check objects published before version 2 (a lagging replica still
 * walks through them) and, over a version 2 snapshot's entries, as its
 * `entriesDigest` (docs/PROTOCOL.md 8.4).
 */
export function computeStateDigestV1(entriesInIdOrder: Iterable<IndicatorEntry>): Uint8Array {
  const hasher = new StateDigestV1Hasher();
  for (const e of entriesInIdOrder) hasher.push(e);
  return hasher.digest();
}

/** Version 1 over entries held in memory, yielding to the event loop every `sliceEntries`: a snapshot's million entries never hold it for long. */
export async function computeStateDigestV1Sliced(entriesInIdOrder: readonly IndicatorEntry[], sliceEntries = 16384): Promise<Uint8Array> {
  const hasher = new StateDigestV1Hasher();
  for (let start = 0; start < entriesInIdOrder.length; start += sliceEntries) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const e of entriesInIdOrder.slice(start, start + sliceEntries)) hasher.push(e);
  }
  return hasher.digest();
}

/**
 * Version 2: the active set as a multiset hash. The Centre and the replica
 * each keep one beside their indicators, add a delta's adds, subtract its
 * removes and store it back; `digest()` is the 32 signed bytes.
 */
export class StateAccumulator {
  readonly #sum: LtHash16;
  // One scratch buffer per accumulator: the domain prefix is written once.
  readonly #scratch = Buffer.alloc(ENTRY_DOMAIN_V2.length + MAX_SHORT_ENTRY_BYTES);

  private constructor(sum: LtHash16) {
    this.#sum = sum;
    this.#scratch.write(ENTRY_DOMAIN_V2, 0, 'latin1');
  }

  static empty(): StateAccumulator {
    return new StateAccumulator(LtHash16.empty());
  }

  /** From scratch, O(N): a fresh Centre or replica, a snapshot, or state written before version 2. */
  static fromEntries(entries: Iterable<IndicatorEntry>): StateAccumulator {
    const accumulator = StateAccumulator.empty();
    for (const e of entries) accumulator.add(e);
    return accumulator;
  }

  /**
   * The contribution of one delta, sum(adds) - sum(removes), computed off
   * the write transaction in slices of `sliceEntries` that yield to the
   * event loop between them, so that hashing a large delta never holds it
   * for long; `merge` then applies it in O(1).
   */
  static async ofChange(change: { added: Iterable<IndicatorEntry>; removed: Iterable<IndicatorEntry> }, sliceEntries = 256): Promise<StateAccumulator> {
    const accumulator = StateAccumulator.empty();
    let inSlice = 0;
    const pace = async (): Promise<void> => {
      if (++inSlice < sliceEntries) return;
      inSlice = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    for (const e of change.removed) {
      accumulator.remove(e);
      await pace();
    }
    for (const e of change.added) {
      accumulator.add(e);
      await pace();
    }
    return accumulator;
  }

  /** Adds another accumulator's sum (for example a delta's, from `ofChange`). */
  merge(other: StateAccumulator): void {
    this.#sum.addSum(other.#sum);
  }

  /** The stored form (2048 bytes); DIGEST_STATE_MALFORMED otherwise. */
  static fromBytes(bytes: Uint8Array): StateAccumulator {
    return new StateAccumulator(LtHash16.fromBytes(bytes));
  }

  add(entry: IndicatorEntry): void {
    this.#sum.add(this.#element(entry));
  }

  remove(entry: IndicatorEntry): void {
    this.#sum.remove(this.#element(entry));
  }

  toBytes(): Uint8Array {
    return this.#sum.toBytes();
  }

  /** SHA-256("hashfeed-state-v2\n" || accumulator): the signed `stateDigest`, 32 bytes as in version 1. */
  digest(): Uint8Array {
    return digestOfAccumulator(this.#sum.toBytes());
  }

  #element(entry: IndicatorEntry): Uint8Array {
    const length = ENTRY_DOMAIN_V2.length + entryBytes(entry);
    // A frame list (up to 128 KiB) gets a buffer of its own; the scratch one serves everything shorter.
    const buf = length <= this.#scratch.length ? this.#scratch : Buffer.alloc(length);
    if (buf !== this.#scratch) buf.write(ENTRY_DOMAIN_V2, 0, 'latin1');
    return buf.subarray(0, writeEntry(entry, buf, ENTRY_DOMAIN_V2.length));
  }
}

/** The digest of a whole set under either definition, from scratch (tests, benches, audits). */
export function computeStateDigest(entriesInIdOrder: Iterable<IndicatorEntry>, version: StateDigestVersion = STATE_DIGEST_VERSION): Uint8Array {
  return version === 1 ? computeStateDigestV1(entriesInIdOrder) : StateAccumulator.fromEntries(entriesInIdOrder).digest();
}

/** Version 2's signed digest of a stored or carried accumulator (2048 bytes), without parsing it. */
export function digestOfAccumulator(accumulatorBytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(DOMAIN_V2).update(accumulatorBytes).digest());
}
