/**
 * Exact (cryptographic) hashes of the original file bytes, as hash lists
 * carry them: a match means the very same file.
 */
import { createHash } from 'node:crypto';

export function md5Digest(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('md5').update(bytes).digest());
}

export function sha256Digest(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}
