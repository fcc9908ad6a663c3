import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MerkleError } from './errors.ts';
import { emptyRoot, hashChildren, hashLeaf } from './hash.ts';
import { consistencyProofLength, inclusionProofLength } from './sizes.ts';
import { MerkleTree, rootFromLeafHashes } from './tree.ts';
import { verifyConsistency } from './verify-consistency.ts';
import { verifyInclusion } from './verify-inclusion.ts';

/** RFC 6962 section 2.1 MTH, written as directly as the RFC states it, for comparison. */
function referenceRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return emptyRoot();
  if (leaves.length === 1) return leaves[0] ?? new Uint8Array(0);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return hashChildren(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

/** Distinct leaves: with repeated leaves a proof for one index can honestly verify for another. */
function leavesOf(size: number, salt: number): Uint8Array[] {
  return Array.from({ length: size }, (_, i) => hashLeaf(new TextEncoder().encode(`leaf ${i} salt ${salt}`)));
}

function rejects(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (error) {
    if (error instanceof MerkleError) return true;
    throw error;
  }
}

function flipBit(hash: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(hash);
  out[bit >> 3] = (out[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return out;
}

const treeArb = fc.record({ size: fc.integer({ min: 1, max: 300 }), salt: fc.nat(), cacheMinLevel: fc.integer({ min: 0, max: 5 }) });

describe('MerkleTree', () => {
  describe('rootHash', () => {
    it('equals the RFC 6962 MTH for every size, whatever the cache level', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 200 }), fc.nat(), fc.integer({ min: 0, max: 6 }), (size, salt, cacheMinLevel) => {
          const leaves = leavesOf(size, salt);
          const tree = MerkleTree.fromLeafHashes(leaves, { cacheMinLevel });
          expect(tree.rootHash(size)).toEqual(referenceRoot(leaves));
          // Asking for a smaller tree after a larger one exercises cached subtrees.
          const smaller = Math.floor(size / 2);
          expect(tree.rootHash(smaller)).toEqual(referenceRoot(leaves.slice(0, smaller)));
          expect(rootFromLeafHashes(leaves)).toEqual(referenceRoot(leaves));
        }),
        { numRuns: 200 },
      );
    });

    it('refuses a leaf hash that is not 32 bytes from the source', () => {
      const tree = new MerkleTree({ getLeafHash: (i) => (i === 2 ? new Uint8Array(31) : hashLeaf(new Uint8Array([i]))) });
      expect(() => tree.rootHash(4)).toThrowError(expect.objectContaining({ code: 'MERKLE_BAD_HASH_LENGTH' }));
    });
  });

  describe('inclusionProof', () => {
    it('verifies for every leaf and has the predicted length', () => {
      fc.assert(
        fc.property(treeArb, fc.nat(), ({ size, salt, cacheMinLevel }, pick) => {
          const leaves = leavesOf(size, salt);
          const tree = MerkleTree.fromLeafHashes(leaves, { cacheMinLevel });
          const rootHash = tree.rootHash(size);
          const leafIndex = pick % size;
          const proof = tree.inclusionProof(leafIndex, size);
          expect(proof).toHaveLength(inclusionProofLength(leafIndex, size));
          verifyInclusion({ leafHash: leaves[leafIndex] ?? new Uint8Array(0), leafIndex, treeSize: size, proof, rootHash });
        }),
        { numRuns: 300 },
      );
    });

    it('is rejected after any mutation of proof, index, size, leaf or root', () => {
      fc.assert(
        fc.property(treeArb, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 7 }), ({ size, salt, cacheMinLevel }, pick, other, mutation) => {
          const leaves = leavesOf(size + 5, salt);
          const tree = MerkleTree.fromLeafHashes(leaves, { cacheMinLevel });
          const rootHash = tree.rootHash(size);
          const leafIndex = pick % size;
          const proof = tree.inclusionProof(leafIndex, size);
          const leafHash = leaves[leafIndex] ?? new Uint8Array(0);
          const claim = { leafHash, leafIndex, treeSize: size, proof, rootHash };
          switch (mutation) {
            case 0:
              fc.pre(proof.length > 0);
              return rejects(() => verifyInclusion({ ...claim, proof: proof.map((h, i) => (i === other % proof.length ? flipBit(h, other % 256) : h)) }));
            case 1:
              fc.pre(proof.length > 0);
              return rejects(() => verifyInclusion({ ...claim, proof: proof.slice(0, -1) }));
            case 2:
              return rejects(() => verifyInclusion({ ...claim, proof: [...proof, rootHash] }));
            case 3:
              fc.pre(size > 1);
              return rejects(() => verifyInclusion({ ...claim, leafIndex: (leafIndex + 1 + (other % (size - 1))) % size }));
            case 4: {
              // The size is bound only through the root: claim the proof against a larger tree's true root.
              const treeSize = size + 1 + (other % 5);
              return rejects(() => verifyInclusion({ ...claim, treeSize, rootHash: tree.rootHash(treeSize) }));
            }
            case 5:
              return rejects(() => verifyInclusion({ ...claim, leafHash: flipBit(leafHash, other % 256) }));
            case 6:
              return rejects(() => verifyInclusion({ ...claim, rootHash: flipBit(rootHash, other % 256) }));
            default:
              fc.pre(proof.length > 1);
              return rejects(() => verifyInclusion({ ...claim, proof: [...proof].reverse() }));
          }
        }),
        { numRuns: 600 },
      );
    });

    it('refuses an index outside the tree', () => {
      const tree = MerkleTree.fromLeafHashes(leavesOf(4, 0));
      expect(() => tree.inclusionProof(4, 4)).toThrowError(expect.objectContaining({ code: 'MERKLE_INDEX_OUT_OF_RANGE' }));
      expect(() => tree.inclusionProof(0, 0)).toThrowError(expect.objectContaining({ code: 'MERKLE_INDEX_OUT_OF_RANGE' }));
      expect(() => tree.inclusionProof(-1, 4)).toThrowError(expect.objectContaining({ code: 'MERKLE_BAD_SIZE' }));
    });
  });

  describe('consistencyProof', () => {
    const pairArb = fc.record({ size2: fc.integer({ min: 1, max: 300 }), pick: fc.nat(), salt: fc.nat(), cacheMinLevel: fc.integer({ min: 0, max: 5 }) });

    it('verifies between every pair of sizes and has the predicted length', () => {
      fc.assert(
        fc.property(pairArb, ({ size2, pick, salt, cacheMinLevel }) => {
          const leaves = leavesOf(size2, salt);
          const tree = MerkleTree.fromLeafHashes(leaves, { cacheMinLevel });
          const size1 = 1 + (pick % size2);
          const proof = tree.consistencyProof(size1, size2);
          expect(proof).toHaveLength(size1 === size2 ? 0 : consistencyProofLength(size1, size2));
          verifyConsistency({ size1, size2, root1: tree.rootHash(size1), root2: tree.rootHash(size2), proof });
        }),
        { numRuns: 300 },
      );
    });

    it('is rejected after any mutation of proof, sizes or roots', () => {
      fc.assert(
        fc.property(pairArb, fc.nat(), fc.integer({ min: 0, max: 6 }), ({ size2, pick, salt, cacheMinLevel }, other, mutation) => {
          fc.pre(size2 > 1);
          const leaves = leavesOf(size2, salt);
          const tree = MerkleTree.fromLeafHashes(leaves, { cacheMinLevel });
          const size1 = 1 + (pick % (size2 - 1));
          const proof = tree.consistencyProof(size1, size2);
          const claim = { size1, size2, root1: tree.rootHash(size1), root2: tree.rootHash(size2), proof };
          switch (mutation) {
            case 0:
              return rejects(() => verifyConsistency({ ...claim, proof: proof.map((h, i) => (i === other % proof.length ? flipBit(h, other % 256) : h)) }));
            case 1:
              return rejects(() => verifyConsistency({ ...claim, proof: proof.slice(1) }));
            case 2:
              return rejects(() => verifyConsistency({ ...claim, proof: [...proof, claim.root1] }));
            case 3:
              return rejects(() => verifyConsistency({ ...claim, root1: flipBit(claim.root1, other % 256) }));
            case 4:
              return rejects(() => verifyConsistency({ ...claim, root2: flipBit(claim.root2, other % 256) }));
            case 5: {
              const otherSize1 = 1 + ((size1 + other) % (size2 - 1));
              fc.pre(otherSize1 !== size1);
              return rejects(() => verifyConsistency({ ...claim, size1: otherSize1 }));
            }
            default:
              return rejects(() => verifyConsistency({ ...claim, root1: claim.root2, root2: claim.root1 }));
          }
        }),
        { numRuns: 600 },
      );
    });

    it('gives the empty proof for equal sizes and refuses size1 = 0 or size1 > size2', () => {
      const tree = MerkleTree.fromLeafHashes(leavesOf(5, 0));
      expect(tree.consistencyProof(5, 5)).toEqual([]);
      expect(() => tree.consistencyProof(0, 5)).toThrowError(expect.objectContaining({ code: 'MERKLE_EMPTY_TREE' }));
      expect(() => tree.consistencyProof(5, 4)).toThrowError(expect.objectContaining({ code: 'MERKLE_BAD_SIZE' }));
    });
  });

  describe('with 100,000 leaves in a store', () => {
    it('serves proofs reading few leaves once subtrees are cached', () => {
      const size = 100_000;
      const leaves = leavesOf(size, 7);
      let reads = 0;
      const tree = new MerkleTree({
        getLeafHash: (index) => {
          reads++;
          return leaves[index] ?? new Uint8Array(0);
        },
      });
      const root = tree.rootHash(size);
      expect(reads).toBe(size);

      reads = 0;
      const samples = 500;
      for (let s = 0; s < samples; s++) {
        const leafIndex = (s * 7919) % size;
        verifyInclusion({ leafHash: leaves[leafIndex] ?? new Uint8Array(0), leafIndex, treeSize: size, proof: tree.inclusionProof(leafIndex, size), rootHash: root });
      }
      // Cached from level 8: a proof reads the partial subtrees below 256 leaves only.
      expect(reads / samples).toBeLessThan(1024);

      const size1 = 65_537;
      const proof = tree.consistencyProof(size1, size);
      verifyConsistency({ size1, size2: size, root1: tree.rootHash(size1), root2: root, proof });
    });
  });
});

describe('proof lengths for large trees', () => {
  const big = (n: bigint): number => Number(n);
  const bitLength = (n: bigint): number => n.toString(2).replace(/^0+/, '').length;
  const popCount = (n: bigint): number => [...n.toString(2)].filter((c) => c === '1').length;
  const trailingZeros = (n: bigint): number => n.toString(2).length - n.toString(2).replace(/0+$/, '').length;
  const safe = fc.bigInt({ min: 2n, max: BigInt(Number.MAX_SAFE_INTEGER) });

  it('matches 64-bit integer arithmetic up to 2^53 - 1 (inclusion)', () => {
    fc.assert(
      fc.property(safe, fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }), (size, pick) => {
        const index = pick % size;
        const inner = bitLength(index ^ (size - 1n));
        expect(inclusionProofLength(big(index), big(size))).toBe(inner + popCount(index >> BigInt(inner)));
      }),
    );
  });

  it('matches 64-bit integer arithmetic up to 2^53 - 1 (consistency)', () => {
    fc.assert(
      fc.property(safe, fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }), (size2, pick) => {
        const size1 = 1n + (pick % (size2 - 1n));
        const level = bitLength((size1 - 1n) ^ (size2 - 1n));
        const border = popCount((size1 - 1n) >> BigInt(level));
        const isPow2 = (size1 & (size1 - 1n)) === 0n;
        expect(consistencyProofLength(big(size1), big(size2))).toBe((isPow2 ? 0 : 1) + level - trailingZeros(size1) + border);
      }),
    );
  });
});
