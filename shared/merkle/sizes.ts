import { MerkleError } from './errors.ts';

/**
 * Tree-size arithmetic on safe integers (up to 2^53 - 1). JavaScript's
 * bitwise operators truncate to 32 bits, so shifts are halvings here and
 * bit tests are remainders.
 */

export function requireSize(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new MerkleError('MERKLE_BAD_SIZE', `${what} must be a non-negative safe integer, got ${value}`);
}

export function isOdd(value: number): boolean {
  return value % 2 === 1;
}

export function half(value: number): number {
  return Math.floor(value / 2);
}

/** k in RFC 6962 section 2.1: the largest power of two smaller than n (n > 1). */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/** Number of halvings until a and b are equal: the bit length of a XOR b. */
export function differingBitLength(a: number, b: number): number {
  let bits = 0;
  while (a !== b) {
    a = half(a);
    b = half(b);
    bits++;
  }
  return bits;
}

export function popCount(value: number): number {
  let count = 0;
  while (value > 0) {
    if (isOdd(value)) count++;
    value = half(value);
  }
  return count;
}

export function trailingZeros(value: number): number {
  if (value === 0) return 0;
  let count = 0;
  while (!isOdd(value)) {
    value = half(value);
    count++;
  }
  return count;
}

/**
 * The number of hashes in an inclusion proof for `index` in a tree of
 * `size`: the levels below the point where the paths to `index` and to the
 * last leaf meet (inner), plus the set bits above it (border: the complete
 * left subtrees on the right edge).
 */
export function inclusionProofLength(index: number, size: number): number {
  const inner = differingBitLength(index, size - 1);
  return inner + popCount(Math.floor(index / 2 ** inner));
}

/** The number of hashes in a consistency proof from size1 to size2 (0 < size1 < size2). */
export function consistencyProofLength(size1: number, size2: number): number {
  const level = differingBitLength(size1 - 1, size2 - 1);
  const border = popCount(Math.floor((size1 - 1) / 2 ** level));
  // The proof omits the levels below the largest complete subtree ending at size1,
  // and also its hash when that subtree is the whole old tree (size1 a power of two).
  const inner = level - trailingZeros(size1);
  return (isPowerOfTwo(size1) ? 0 : 1) + inner + border;
}
