import { describe, expect, it } from 'vitest';
import { hashLeaf } from './hash.ts';
import { MerkleTree } from './tree.ts';
import { verifyConsistency, type ConsistencyClaim } from './verify-consistency.ts';
import { verifyInclusion, type InclusionClaim } from './verify-inclusion.ts';
import { codeOf as sharedCodeOf } from '../testing/code-of.ts';

const codeOf = (fn: () => void): string => sharedCodeOf(fn) ?? 'accepted';

const leaves = Array.from({ length: 7 }, (_, i) => hashLeaf(new Uint8Array([i])));
const tree = MerkleTree.fromLeafHashes(leaves);
const root7 = tree.rootHash(7);
const root3 = tree.rootHash(3);
const leaf2 = leaves[2] ?? new Uint8Array(0);
const inclusion: InclusionClaim = { leafHash: leaf2, leafIndex: 2, treeSize: 7, proof: tree.inclusionProof(2, 7), rootHash: root7 };
const consistency: ConsistencyClaim = { size1: 3, size2: 7, root1: root3, root2: root7, proof: tree.consistencyProof(3, 7) };

/**
 * Moves one byte from the end of proof[0] to the start of proof[1]: the bytes
 * fed to SHA-256 for the pair do not change, so only a length check catches it.
 */
function shiftByte(proof: readonly Uint8Array[]): Uint8Array[] {
  const [a = new Uint8Array(0), b = new Uint8Array(0), ...rest] = proof;
  return [a.subarray(0, 31), new Uint8Array([...a.subarray(31), ...b]), ...rest];
}

describe('verifyInclusion', () => {
  it.each<[string, Partial<InclusionClaim>, string]>([
    ['an honest proof', {}, 'accepted'],
    ['a 31-byte leaf hash', { leafHash: leaf2.subarray(1) }, 'MERKLE_BAD_HASH_LENGTH'],
    ['a 33-byte root', { rootHash: new Uint8Array([...root7, 0]) }, 'MERKLE_BAD_HASH_LENGTH'],
    ['proof hashes of 31 and 33 bytes', { proof: shiftByte(inclusion.proof) }, 'MERKLE_BAD_HASH_LENGTH'],
    ['an index equal to the size', { leafIndex: 7 }, 'MERKLE_INDEX_OUT_OF_RANGE'],
    ['an empty tree', { leafIndex: 0, treeSize: 0 }, 'MERKLE_INDEX_OUT_OF_RANGE'],
    ['a negative index', { leafIndex: -1 }, 'MERKLE_BAD_SIZE'],
    ['a fractional size', { treeSize: 7.5 }, 'MERKLE_BAD_SIZE'],
    ['a size beyond 2^53', { treeSize: 2 ** 53 }, 'MERKLE_BAD_SIZE'],
    ['a proof one hash short', { proof: inclusion.proof.slice(1) }, 'MERKLE_BAD_PROOF_LENGTH'],
    ['another leaf', { leafHash: leaves[3] }, 'MERKLE_ROOT_MISMATCH'],
  ])('%s: %s', (_, change, expected) => {
    expect(codeOf(() => verifyInclusion({ ...inclusion, ...change }))).toBe(expected);
  });
});

describe('verifyConsistency', () => {
  it.each<[string, Partial<ConsistencyClaim>, string]>([
    ['an honest proof', {}, 'accepted'],
    ['proof hashes of 31 and 33 bytes', { proof: shiftByte(consistency.proof) }, 'MERKLE_BAD_HASH_LENGTH'],
    ['a 31-byte root1', { root1: root3.subarray(1) }, 'MERKLE_BAD_HASH_LENGTH'],
    ['size1 = 0 with an empty proof', { size1: 0, root1: MerkleTree.fromLeafHashes([]).rootHash(0), proof: [] }, 'MERKLE_EMPTY_TREE'],
    ['size1 = size2 = 0', { size1: 0, size2: 0, root1: root7, root2: root7, proof: [] }, 'MERKLE_EMPTY_TREE'],
    ['size1 > size2', { size1: 8 }, 'MERKLE_BAD_SIZE'],
    ['equal sizes and roots, empty proof', { size1: 7, root1: root7, proof: [] }, 'accepted'],
    ['equal sizes, different roots', { size1: 7, root1: root3, proof: [] }, 'MERKLE_ROOT_MISMATCH'],
    ['equal sizes with a proof', { size1: 7, root1: root7 }, 'MERKLE_BAD_PROOF_LENGTH'],
    ['an empty proof for different sizes', { proof: [] }, 'MERKLE_BAD_PROOF_LENGTH'],
    ['the proof for another old size', { size1: 4, root1: tree.rootHash(4) }, 'MERKLE_BAD_PROOF_LENGTH'],
    ['swapped roots', { root1: root7, root2: root3 }, 'MERKLE_ROOT_MISMATCH'],
  ])('%s: %s', (_, change, expected) => {
    expect(codeOf(() => verifyConsistency({ ...consistency, ...change }))).toBe(expected);
  });
});
