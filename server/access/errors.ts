import { CodedError } from '../../shared/errors.ts';

/**
 * The Centre's side of the sealed feed (docs/PROTOCOL.md 13).
 * - EPOCH_WRAP_KEY_AMBIGUOUS: both HASHFEED_EPOCH_WRAP_KEY and a key file are present.
 * - EPOCH_WRAP_KEY_MALFORMED: the key-wrapping key's text is not one.
 * - EPOCH_KEY_UNREADABLE: an epoch's stored key does not open under the key-wrapping key held now.
 */
export type AccessCode = 'EPOCH_WRAP_KEY_AMBIGUOUS' | 'EPOCH_WRAP_KEY_MALFORMED' | 'EPOCH_KEY_UNREADABLE';

export class AccessError extends CodedError<AccessCode> {}
