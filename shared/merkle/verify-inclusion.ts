import { MerkleError } from './errors.ts';
import { hashChildren, hashesEqual, requireHash } from './hash.ts';
import { half, inclusionProofLength, isOdd, requireSize } from './sizes.ts';

export interface InclusionClaim {
  /** Hash of the leaf (hashLeaf of its data), 32 bytes. */
  readonly leafHash: Uint8Array;
  readonly leafIndex: number;
  readonly treeSize: number;
  /** Audit path, lowest level first (RFC 9162 section 2.1.3.1). */
  readonly proof: readonly Uint8Array[];
  /** The trusted root hash of the tree of `treeSize` leaves. */
  readonly rootHash: Uint8Array;
}

/**
 * Verifies an inclusion proof (RFC 9162 section 2.1.3.2); returns normally
 * or throws MerkleError: MERKLE_BAD_SIZE, MERKLE_INDEX_OUT_OF_RANGE,
 * MERKLE_BAD_HASH_LENGTH (any hash not 32 bytes), MERKLE_BAD_PROOF_LENGTH,
 * MERKLE_ROOT_MISMATCH.
 */
export function verifyInclusion(claim: InclusionClaim): void {
  const { leafHash, leafIndex, treeSize, proof, rootHash } = claim;
  requireSize(leafIndex, 'leaf index');
  requireSize(treeSize, 'tree size');
  // Step 1: the leaf must be in the tree (this also refuses the empty tree).
  if (leafIndex >= treeSize) throw new MerkleError('MERKLE_INDEX_OUT_OF_RANGE', `leaf index ${leafIndex} is not below tree size ${treeSize}`);
  requireHash(leafHash, 'leaf hash');
  requireHash(rootHash, 'root hash');
  proof.forEach((hash, i) => requireHash(hash, `proof[${i}]`));
  // The path length is fixed by (index, size); checking it first gives a precise error.
  const expected = inclusionProofLength(leafIndex, treeSize);
  if (proof.length !== expected) {
    throw new MerkleError('MERKLE_BAD_PROOF_LENGTH', `an inclusion proof for leaf ${leafIndex} of ${treeSize} has ${expected} hashes, got ${proof.length}`);
  }

  // Steps 2-3.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  // Step 4.
  for (const p of proof) {
    // 4a.
    if (sn === 0) throw new MerkleError('MERKLE_BAD_PROOF_LENGTH', 'inclusion proof is longer than the path');
    // 4b.
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(r, p);
    }
    // 4c.
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  if (sn !== 0) throw new MerkleError('MERKLE_BAD_PROOF_LENGTH', 'inclusion proof is shorter than the path');
  if (!hashesEqual(r, rootHash)) throw new MerkleError('MERKLE_ROOT_MISMATCH', `inclusion proof for leaf ${leafIndex} does not lead to the root of size ${treeSize}`);
}
