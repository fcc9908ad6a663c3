import { randomBytes } from 'node:crypto';
import { generateSigningKey, type SigningKey } from '../../../shared/crypto/index.ts';
import { hashLeaf, MerkleTree } from '../../../shared/merkle/index.ts';
import { signCheckpoint } from '../../../shared/note/index.ts';
import { formatAddCheckpoint } from '../request.ts';

/** A log held in memory for witness tests: random leaves, signed checkpoints, proofs. */
export class TestLog {
  readonly origin: string;
  readonly key: SigningKey;
  readonly #leaves: Uint8Array[] = [];
  readonly #tree = MerkleTree.fromLeafHashes(this.#leaves);

  constructor(origin = 'hashfeed/witness-test', key?: SigningKey) {
    this.origin = origin;
    this.key = key ?? generateSigningKey(origin);
  }

  /** A copy with the same leaves and key: append to it to fork the history. */
  fork(): TestLog {
    const copy = new TestLog(this.origin, this.key);
    copy.#leaves.push(...this.#leaves);
    return copy;
  }

  get size(): number {
    return this.#leaves.length;
  }

  append(count: number): this {
    for (let i = 0; i < count; i++) this.#leaves.push(hashLeaf(randomBytes(16)));
    return this;
  }

  rootHash(size = this.size): Uint8Array {
    return this.#tree.rootHash(size);
  }

  checkpoint(size = this.size, key = this.key): string {
    return signCheckpoint({ origin: this.origin, size, rootHash: this.rootHash(size), extensions: [] }, key);
  }

  proof(from: number, to = this.size): Uint8Array[] {
    return from === 0 ? [] : this.#tree.consistencyProof(from, to);
  }

  /** The add-checkpoint body from `oldSize` to the current size. */
  request(oldSize: number): string {
    return formatAddCheckpoint({ oldSize, proof: this.proof(oldSize), checkpoint: this.checkpoint() });
  }
}
