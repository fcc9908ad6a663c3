import { createHash, randomBytes } from 'node:crypto';
import { bytesEqual } from '../crypto/index.ts';
import { SealError } from './errors.ts';

/** An epoch key: 32 random bytes, the AES-256-GCM key material of one epoch's feed objects (PROTOCOL 13.2). */
export const EPOCH_KEY_BYTES = 32;

const COMMITMENT_DOMAIN = 'hashfeed-epoch-commit-v1\n';

export function generateEpochKey(): Uint8Array {
  return new Uint8Array(randomBytes(EPOCH_KEY_BYTES));
}

/**
 * The signed commitment to an epoch's key (PROTOCOL 13.2):
 * SHA-256("hashfeed-epoch-commit-v1\n" || feed || "\n" || decimal(epoch) || "\n" || key).
 * Every sealed object carries it under the feed key's signature, so a key
 * that opens the ciphertext but is not the committed one (AES-GCM is not key
 * committing) is refused: no two providers can be shown two lists.
 */
export function epochKeyCommitment(feed: string, epoch: number, key: Uint8Array): Uint8Array {
  if (key.byteLength !== EPOCH_KEY_BYTES) throw new SealError('SEAL_KEY_MALFORMED', `an epoch key is ${EPOCH_KEY_BYTES} bytes`);
  return new Uint8Array(createHash('sha256').update(`${COMMITMENT_DOMAIN}${feed}\n${epoch}\n`, 'utf8').update(key).digest());
}

/** SEAL_KEY_MISMATCH unless `key` is the key `commitment` commits to for (feed, epoch). */
export function checkEpochKeyCommitment(feed: string, epoch: number, key: Uint8Array, commitment: Uint8Array): void {
  if (!bytesEqual(epochKeyCommitment(feed, epoch, key), commitment)) {
    throw new SealError('SEAL_KEY_MISMATCH', `the key held for epoch ${epoch} is not the one the Centre committed to`);
  }
}
