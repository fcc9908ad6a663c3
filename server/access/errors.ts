import { CodedError } from '../../shared/errors.ts';

/**
 * The Centre's side of the sealed feed (docs/PROTOCOL.md 13).
 * - EPOCH_WRAP_KEY_AMBIGUOUS: both HASHFEED_EPOCH_WRAP_KEY and a key file are present.
 * - EPOCH_WRAP_KEY_MALFORMED: the key-wrapping key's text is not one.
 * - EPOCH_KEY_UNREADABLE: an epoch's stored key does not open under the key-wrapping key held now.
 */
export type AccessCode = 'EPOCH_WRAP_KEY_AMBIGUOUS' | 'EPOCH_WRAP_KEY_MALFORMED' | 'EPOCH_KEY_UNREADABLE';

export class AccessError extends CodedError<AccessCode> {}

/**
 * Refusals of an encryption key registration or revocation (docs/API.md):
 * - ENCRYPTION_KEY_UNKNOWN_SIGNER: not signed by a report key registered (pending or approved) for the caller.
 * - ENCRYPTION_KEY_WRONG_PROVIDER: the registration names another provider than the caller.
 * - ENCRYPTION_KEY_MALFORMED: not a `hashfeed/encryption-key/v1` envelope, its payload fails the guard, or its public key is of small order.
 * - ENCRYPTION_KEY_TAKEN: another provider registered this public key (409).
 * - ENCRYPTION_KEY_LIMIT: the provider holds too many keys that are not revoked.
 * - ENCRYPTION_KEY_NOT_FOUND: no such key of this provider (404).
 */
export type EncryptionKeyCode =
  | 'ENCRYPTION_KEY_UNKNOWN_SIGNER'
  | 'ENCRYPTION_KEY_WRONG_PROVIDER'
  | 'ENCRYPTION_KEY_MALFORMED'
  | 'ENCRYPTION_KEY_TAKEN'
  | 'ENCRYPTION_KEY_LIMIT'
  | 'ENCRYPTION_KEY_NOT_FOUND';

export class EncryptionKeyError extends CodedError<EncryptionKeyCode> {}
