import { createHash } from 'node:crypto';
import { MerkleError } from './errors.ts';

/**
 * RFC 6962 section 2.1 / RFC 9162 section 2.1.1 hashing with SHA-256:
 * leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), and
 * the hash of the empty tree is SHA-256 of the empty string. The prefixes
 * keep a leaf from ever hashing like an interior node.
 */
export const HASH_BYTES = 32;

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

export function hashLeaf(data: Uint8Array): Uint8Array {
  return digest(createHash('sha256').update(LEAF_PREFIX).update(data));
}

export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return digest(createHash('sha256').update(NODE_PREFIX).update(left).update(right));
}

/** MTH({}) = SHA-256(""). */
export function emptyRoot(): Uint8Array {
  return digest(createHash('sha256'));
}

/** Throws MERKLE_BAD_HASH_LENGTH unless `hash` is exactly 32 bytes. */
export function requireHash(hash: Uint8Array, what: string): void {
  if (!(hash instanceof Uint8Array) || hash.byteLength !== HASH_BYTES) {
    const length = hash instanceof Uint8Array ? `${hash.byteLength} bytes` : typeof hash;
    throw new MerkleError('MERKLE_BAD_HASH_LENGTH', `${what} must be a ${HASH_BYTES}-byte hash, got ${length}`);
  }
}

export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function digest(hash: ReturnType<typeof createHash>): Uint8Array {
  const out = hash.digest();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
