import { createHash } from 'node:crypto';
import { CryptoError } from './errors.ts';

/** Lanes of 16 bits: LtHash16 of Lewi, Kim, Maykov and Weis (2019), the parameters Facebook deploys. */
export const LTHASH_LANES = 1024;
export const LTHASH_BYTES = LTHASH_LANES * 2;

/**
 * A multiset hash: the lane-wise sum mod 2^16 of SHAKE256(element) read as
 * 1024 little-endian 16-bit lanes (docs/PROTOCOL.md 8.4). Adding or removing
 * one element costs one SHAKE256 call and 1024 additions, whatever the size
 * of the set; the sum does not depend on the order of additions. Collision
 * resistance rests on the short-integer-solution problem in dimension 1024
 * mod 2^16 (Bellare and Micciancio 1997), which is why lanes stay this wide.
 */
export class LtHash16 {
  readonly #lanes: Uint16Array;

  private constructor(lanes: Uint16Array) {
    this.#lanes = lanes;
  }

  static empty(): LtHash16 {
    return new LtHash16(new Uint16Array(LTHASH_LANES));
  }

  /** The accumulator stored by `toBytes`; anything but exactly 2048 bytes is refused. */
  static fromBytes(bytes: Uint8Array): LtHash16 {
    if (bytes.byteLength !== LTHASH_BYTES) throw new CryptoError('DIGEST_STATE_MALFORMED', `an LtHash16 accumulator is ${LTHASH_BYTES} bytes, not ${bytes.byteLength}`);
    const lanes = new Uint16Array(LTHASH_LANES);
    for (let i = 0; i < LTHASH_LANES; i++) lanes[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
    return new LtHash16(lanes);
  }

  add(element: Uint8Array): void {
    const expansion = expand(element);
    const lanes = this.#lanes;
    // Uint16Array stores wrap mod 2^16.
    for (let i = 0; i < LTHASH_LANES; i++) lanes[i] = lanes[i]! + (expansion[2 * i]! | (expansion[2 * i + 1]! << 8));
  }

  remove(element: Uint8Array): void {
    const expansion = expand(element);
    const lanes = this.#lanes;
    for (let i = 0; i < LTHASH_LANES; i++) lanes[i] = lanes[i]! - (expansion[2 * i]! | (expansion[2 * i + 1]! << 8));
  }

  /** Adds another sum lane by lane: the sum of the union of both multisets. */
  addSum(other: LtHash16): void {
    const lanes = this.#lanes;
    const more = other.#lanes;
    for (let i = 0; i < LTHASH_LANES; i++) lanes[i] = lanes[i]! + more[i]!;
  }

  equals(other: LtHash16): boolean {
    const a = this.#lanes;
    const b = other.#lanes;
    for (let i = 0; i < LTHASH_LANES; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** Little-endian lanes, whatever the platform's byte order. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(LTHASH_BYTES);
    const lanes = this.#lanes;
    for (let i = 0; i < LTHASH_LANES; i++) {
      out[2 * i] = lanes[i]! & 0xff;
      out[2 * i + 1] = lanes[i]! >>> 8;
    }
    return out;
  }
}

let expansions = 0;

/**
 * How many SHAKE256 expansions this process has computed: the unit of
 * LtHash's cost, read by tests and benches to show which paths pay O(N)
 * of them (a snapshot bootstrap must not).
 */
export function lthashExpansions(): number {
  return expansions;
}

function expand(element: Uint8Array): Uint8Array {
  expansions++;
  return createHash('shake256', { outputLength: LTHASH_BYTES }).update(element).digest();
}
