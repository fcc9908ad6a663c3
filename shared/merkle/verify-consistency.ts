import { MerkleError } from './errors.ts';
import { hashChildren, hashesEqual, requireHash } from './hash.ts';
import { consistencyProofLength, half, isOdd, isPowerOfTwo, requireSize } from './sizes.ts';

export interface ConsistencyClaim {
  readonly size1: number;
  readonly size2: number;
  /** Trusted root of the older tree (size1). */
  readonly root1: Uint8Array;
  /** Root of the newer tree (size2), trusted once this returns. */
  readonly root2: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

/**
 * Verifies a consistency proof (RFC 9162 section 2.1.4.2): the tree of
 * size2 with root2 extends the tree of size1 with root1. Returns normally or
 * throws MerkleError.
 *
 * Edge cases, as the transparency-dev vectors fix them:
 *  - size1 = 0 is refused (MERKLE_EMPTY_TREE), even with size2 = 0: every
 *    tree extends the empty tree, so such a "proof" proves nothing and a
 *    client that accepts it can be walked onto any tree.
 *  - size1 = size2 needs an empty proof (else MERKLE_BAD_PROOF_LENGTH) and
 *    root1 equal to root2 byte for byte (else MERKLE_ROOT_MISMATCH). No hash
 *    is computed in this case, so the roots' lengths are not checked; callers
 *    hold roots from parsed checkpoints, which are always 32 bytes.
 *  - size1 > size2: MERKLE_BAD_SIZE.
 * Otherwise every hash must be 32 bytes (MERKLE_BAD_HASH_LENGTH) and the
 * proof must have exactly the length (size1, size2) fixes.
 */
export function verifyConsistency(claim: ConsistencyClaim): void {
  const { size1, size2, root1, root2, proof } = claim;
  requireSize(size1, 'size1');
  requireSize(size2, 'size2');
  if (size1 > size2) throw new MerkleError('MERKLE_BAD_SIZE', `size1 ${size1} is larger than size2 ${size2}`);
  if (size1 === 0) throw new MerkleError('MERKLE_EMPTY_TREE', 'a consistency proof from the empty tree proves nothing');
  if (size1 === size2) {
    if (proof.length !== 0) throw new MerkleError('MERKLE_BAD_PROOF_LENGTH', 'equal sizes need an empty consistency proof');
    if (!hashesEqual(root1, root2)) throw new MerkleError('MERKLE_ROOT_MISMATCH', `two different roots for tree size ${size1}`);
    return;
  }
  requireHash(root1, 'root1');
  requireHash(root2, 'root2');
  proof.forEach((hash, i) => requireHash(hash, `proof[${i}]`));
  // Step 1 (an empty path fails) is subsumed by the exact length, which is never 0 here.
  const expected = consistencyProofLength(size1, size2);
  if (proof.length !== expected) {
    throw new MerkleError('MERKLE_BAD_PROOF_LENGTH', `a consistency proof from ${size1} to ${size2} has ${expected} hashes, got ${proof.length}`);
  }

  // Step 2: when size1 is a power of two, root1 is the first subtree hash itself.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  // Step 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 4.
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  const [first, ...rest] = path;
  if (first === undefined) throw new MerkleError('MERKLE_BAD_PROOF_LENGTH', 'empty consistency proof');
  let fr = first;
  let sr = first;
  // Step 6.
  for (const c of rest) {
    // 6a.
    if (sn === 0) throw new MerkleError('MERKLE_BAD_PROOF_LENGTH', 'consistency proof is longer than the path');
    // 6b.
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    // 6c.
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) throw new MerkleError('MERKLE_BAD_PROOF_LENGTH', 'consistency proof is shorter than the path');
  if (!hashesEqual(fr, root1)) throw new MerkleError('MERKLE_ROOT_MISMATCH', `consistency proof does not lead to root1 of size ${size1}`);
  if (!hashesEqual(sr, root2)) throw new MerkleError('MERKLE_ROOT_MISMATCH', `consistency proof does not lead to root2 of size ${size2}`);
}
