import { CodedError } from '../errors.ts';

/**
 * Sealed feed (docs/PROTOCOL.md 13): what opening a sealed object, a wrapped
 * epoch key or an encryption key string can refuse.
 * - SEAL_BROKEN: the ciphertext does not open under the epoch key, or what it
 *   holds disagrees with its signed header.
 * - SEAL_KEY_MISMATCH: a key does not match the commitment its epoch was
 *   signed with (a Centre showing one provider another key than everyone else).
 * - SEAL_UNWRAP_FAILED: a wrapped epoch key does not open with this
 *   recipient's private key in this context (made for another provider,
 *   another key or another epoch, or altered).
 * - SEAL_KEY_MALFORMED: an encryption key string or public key is not one.
 */
export type SealCode = 'SEAL_BROKEN' | 'SEAL_KEY_MISMATCH' | 'SEAL_UNWRAP_FAILED' | 'SEAL_KEY_MALFORMED';

export class SealError extends CodedError<SealCode> {}
