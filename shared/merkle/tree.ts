import { MerkleError } from './errors.ts';
import { emptyRoot, hashChildren, requireHash } from './hash.ts';
import { isPowerOfTwo, largestPowerOfTwoBelow, requireSize } from './sizes.ts';

/**
 * Where the leaf hashes of an append-only log live (a database table, an
 * array). Leaf `index` must never change once written.
 */
export interface LeafHashSource {
  getLeafHash(index: number): Uint8Array;
}

export interface MerkleTreeOptions {
  /**
   * Hashes of complete, aligned subtrees of 2^level leaves or more are kept
   * in memory (default level 8: one entry per 256 leaves, so about 8 MB per
   * 10 million leaves). Lower is faster and larger.
   */
  readonly cacheMinLevel?: number;
}

/**
 * Builds roots and proofs (RFC 6962 section 2.1; RFC 9162 sections 2.1.3.1
 * and 2.1.4.1) for any size the source holds, reading leaf hashes on demand.
 *
 * A complete subtree aligned on its own size covers leaves that can no
 * longer change in an append-only log, so its hash is cached once computed;
 * after the first pass over a region, a root or proof reads only the leaves
 * of partial subtrees below the cache level (at most about 2 * 2^level
 * leaves) plus cached hashes.
 */
export class MerkleTree {
  readonly #source: LeafHashSource;
  readonly #cacheMinSize: number;
  readonly #cache = new Map<number, Map<number, Uint8Array>>();

  constructor(source: LeafHashSource, options: MerkleTreeOptions = {}) {
    const level = options.cacheMinLevel ?? 8;
    if (!Number.isSafeInteger(level) || level < 0 || level > 52) throw new RangeError('cacheMinLevel must be an integer from 0 to 52');
    this.#source = source;
    this.#cacheMinSize = 2 ** level;
  }

  /** A tree over leaf hashes held in memory. */
  static fromLeafHashes(leafHashes: readonly Uint8Array[], options: MerkleTreeOptions = {}): MerkleTree {
    return new MerkleTree({ getLeafHash: (index) => leafHashes[index] ?? missingLeaf(index) }, options);
  }

  /** MTH of the first `size` leaves; size 0 gives SHA-256(""). */
  rootHash(size: number): Uint8Array {
    requireSize(size, 'tree size');
    return size === 0 ? emptyRoot() : this.#hashRange(0, size);
  }

  /** PATH(m, D[n]) of RFC 6962 section 2.1.1: the audit path for leaf `leafIndex`, lowest level first. */
  inclusionProof(leafIndex: number, treeSize: number): Uint8Array[] {
    requireSize(leafIndex, 'leaf index');
    requireSize(treeSize, 'tree size');
    if (leafIndex >= treeSize) throw new MerkleError('MERKLE_INDEX_OUT_OF_RANGE', `leaf index ${leafIndex} is not below tree size ${treeSize}`);
    const proof: Uint8Array[] = [];
    this.#path(leafIndex, 0, treeSize, proof);
    return proof;
  }

  /**
   * PROOF(m, D[n]) of RFC 6962 section 2.1.2 from size1 to size2. Equal
   * sizes give the empty proof; size1 = 0 is refused (MERKLE_EMPTY_TREE),
   * as verifiers refuse it.
   */
  consistencyProof(size1: number, size2: number): Uint8Array[] {
    requireSize(size1, 'size1');
    requireSize(size2, 'size2');
    if (size1 > size2) throw new MerkleError('MERKLE_BAD_SIZE', `size1 ${size1} is larger than size2 ${size2}`);
    if (size1 === 0) throw new MerkleError('MERKLE_EMPTY_TREE', 'a consistency proof from the empty tree proves nothing');
    const proof: Uint8Array[] = [];
    this.#subproof(size1, 0, size2, true, proof);
    return proof;
  }

  /** Appends PATH(m, D[start:end]) to `out`. */
  #path(m: number, start: number, end: number, out: Uint8Array[]): void {
    const n = end - start;
    if (n === 1) return;
    const k = largestPowerOfTwoBelow(n);
    if (m < k) {
      this.#path(m, start, start + k, out);
      out.push(this.#hashRange(start + k, end));
    } else {
      this.#path(m - k, start + k, end, out);
      out.push(this.#hashRange(start, start + k));
    }
  }

  /** Appends SUBPROOF(m, D[start:end], b) to `out`. */
  #subproof(m: number, start: number, end: number, completeOldTree: boolean, out: Uint8Array[]): void {
    const n = end - start;
    if (m === n) {
      if (!completeOldTree) out.push(this.#hashRange(start, end));
      return;
    }
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      this.#subproof(m, start, start + k, completeOldTree, out);
      out.push(this.#hashRange(start + k, end));
    } else {
      this.#subproof(m - k, start + k, end, false, out);
      out.push(this.#hashRange(start, start + k));
    }
  }

  /** MTH(D[start:end]) for end > start. */
  #hashRange(start: number, end: number): Uint8Array {
    const n = end - start;
    if (n === 1) {
      const leaf = this.#source.getLeafHash(start);
      requireHash(leaf, `leaf hash ${start}`);
      return leaf;
    }
    // Every range the recursions ask for that has a power-of-two size is aligned on it.
    const cacheable = n >= this.#cacheMinSize && start % n === 0 && isPowerOfTwo(n);
    if (cacheable) {
      const cached = this.#cache.get(n)?.get(start);
      if (cached !== undefined) return cached;
    }
    const k = largestPowerOfTwoBelow(n);
    const hash = hashChildren(this.#hashRange(start, start + k), this.#hashRange(start + k, end));
    if (cacheable) {
      let level = this.#cache.get(n);
      if (level === undefined) this.#cache.set(n, (level = new Map()));
      level.set(start, hash);
    }
    return hash;
  }
}

/** MTH over leaf hashes held in memory (RFC 6962 section 2.1). */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  return MerkleTree.fromLeafHashes(leafHashes, { cacheMinLevel: 52 }).rootHash(leafHashes.length);
}

function missingLeaf(index: number): never {
  throw new MerkleError('MERKLE_INDEX_OUT_OF_RANGE', `no leaf hash at index ${index}`);
}
