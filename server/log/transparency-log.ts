import { hashLeaf, MerkleTree } from '../../shared/merkle/index.ts';
import { feedOrigin, signCheckpoint } from '../../shared/note/index.ts';
import type { SigningKey } from '../../shared/crypto/index.ts';
import type { Db } from '../store/database.ts';
import { StoreError } from '../store/errors.ts';

/** Feed envelopes (PROTOCOL 8.6) and order commitments (10.4). */
export const LEAF_KINDS = ['delta', 'snapshot', 'order', 'order-end'] as const;
export type LeafKind = (typeof LEAF_KINDS)[number];

export interface LogLeaf {
  readonly index: number;
  readonly leafHash: Uint8Array;
  readonly kind: LeafKind;
  readonly version: number;
  readonly appendedAt: number;
}

/**
 * The append-only transparency log (RFC 6962): one leaf per published
 * envelope, leaf hash = SHA-256(0x00 || envelope bytes), so anyone holding an
 * envelope can check it is in the log; and one per order commitment
 * (PROTOCOL 10.4, server/log/order-commitments.ts). Leaves and checkpoints live in
 * append-only tables; the tree object caches complete subtrees, and is
 * rebuilt after a rolled-back transaction so that no uncommitted leaf lingers
 * in the cache.
 */
export class TransparencyLog {
  readonly #feed: string;
  readonly #stmts;
  #tree: MerkleTree;

  constructor(db: Db, feed: string) {
    this.#feed = feed;
    this.#stmts = {
      leafHash: db.prepare<[number], { leaf_hash: Buffer }>('SELECT leaf_hash FROM log_leaves WHERE idx = ?'),
      size: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM log_leaves'),
      insert: db.prepare('INSERT INTO log_leaves (idx, leaf_hash, kind, version, appended_at) VALUES (?, ?, ?, ?, ?)'),
      find: db.prepare<[string, number], { idx: number }>('SELECT idx FROM log_leaves WHERE kind = ? AND version = ?'),
      leaves: db.prepare<[number, number], { idx: number; leaf_hash: Buffer; kind: LeafKind; version: number; appended_at: number }>(
        'SELECT * FROM log_leaves WHERE idx >= ? ORDER BY idx LIMIT ?',
      ),
      insertCheckpoint: db.prepare('INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)'),
      latestCheckpoint: db.prepare<[], { size: number; root: Buffer; note: string; created_at: number }>('SELECT * FROM checkpoints ORDER BY size DESC LIMIT 1'),
      checkpointAt: db.prepare<[number], { size: number; root: Buffer; note: string; created_at: number }>('SELECT * FROM checkpoints WHERE size = ?'),
    };
    this.#tree = this.#newTree();
  }

  get origin(): string {
    return feedOrigin(this.#feed);
  }

  size(): number {
    return this.#stmts.size.get()?.n ?? 0;
  }

  /** Appends an envelope (or an order commitment's leaf bytes) as the next leaf; call inside a write transaction. */
  append(kind: LeafKind, version: number, leafData: Uint8Array, now: number): number {
    const index = this.size();
    this.#stmts.insert.run(index, hashLeaf(leafData), kind, version, now);
    return index;
  }

  /**
   * The checkpoint for the current size, signed by `key`: recorded once per
   * size, at the first call. A checkpoint is a freshness object, judged
   * against the client's current time (docs/PROTOCOL.md 9.3), so one
   * recorded under a rotated-out key is served signed by the current key:
   * Ed25519 signing is deterministic, so that note is the same bytes for
   * every caller, and equals the recorded one while the key is unchanged.
   */
  checkpoint(key: SigningKey, now: number): { size: number; rootHash: Uint8Array; note: string } {
    const size = this.size();
    const existing = this.#stmts.checkpointAt.get(size);
    if (existing !== undefined) {
      const rootHash = new Uint8Array(existing.root);
      return { size, rootHash, note: signCheckpoint({ origin: this.origin, size, rootHash, extensions: [] }, key) };
    }
    const rootHash = this.rootHash(size);
    const note = signCheckpoint({ origin: this.origin, size, rootHash, extensions: [] }, key);
    this.#stmts.insertCheckpoint.run(size, rootHash, note, now);
    return { size, rootHash, note };
  }

  /** The latest checkpoint as recorded (signed by the key current then); serve `checkpoint(key)` to clients. */
  latestCheckpoint(): { size: number; rootHash: Uint8Array; note: string } | undefined {
    const row = this.#stmts.latestCheckpoint.get();
    return row === undefined ? undefined : { size: row.size, rootHash: new Uint8Array(row.root), note: row.note };
  }

  rootHash(size: number): Uint8Array {
    return this.#tree.rootHash(size);
  }

  leafIndex(kind: LeafKind, version: number): number | undefined {
    return this.#stmts.find.get(kind, version)?.idx;
  }

  leaves(start: number, limit: number): LogLeaf[] {
    return this.#stmts.leaves.all(start, limit).map((r) => ({
      index: r.idx,
      leafHash: new Uint8Array(r.leaf_hash),
      kind: r.kind,
      version: r.version,
      appendedAt: r.appended_at,
    }));
  }

  inclusionProof(index: number, size: number): Uint8Array[] {
    return this.#tree.inclusionProof(index, size);
  }

  consistencyProof(size1: number, size2: number): Uint8Array[] {
    return this.#tree.consistencyProof(size1, size2);
  }

  /** Drops cached subtree hashes; call when a transaction that appended leaves rolled back. */
  discardCache(): void {
    this.#tree = this.#newTree();
  }

  #newTree(): MerkleTree {
    return new MerkleTree({
      getLeafHash: (index) => {
        const row = this.#stmts.leafHash.get(index);
        if (row === undefined) throw new StoreError('STORE_NOT_FOUND', `log leaf ${index} does not exist`);
        return new Uint8Array(row.leaf_hash);
      },
    });
  }
}
