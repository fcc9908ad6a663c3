import { CodedError } from '../errors.ts';

/**
 * Key handling: parsing key strings, key files, key sources. Messages never
 * carry key material; a malformed private key string is described, never
 * echoed.
 */
export type CryptoCode =
  | 'KEY_MALFORMED'
  | 'KEY_NAME_INVALID'
  | 'KEY_WRONG_TYPE'
  | 'KEY_FILE_PERMISSIONS'
  | 'KEY_FILE_UNREADABLE'
  | 'KEY_FILE_WRITE_FAILED'
  | 'KEY_SOURCE_MISSING'
  | 'KEY_SOURCE_AMBIGUOUS'
  /** A stored LtHash accumulator of the wrong length (shared/crypto/lthash.ts). */
  | 'DIGEST_STATE_MALFORMED';

export class CryptoError extends CodedError<CryptoCode> {}

/** A signed envelope that is malformed, of the wrong type, or not signed by a trusted key. */
export type EnvelopeCode =
  | 'ENVELOPE_MALFORMED'
  | 'ENVELOPE_TOO_LARGE'
  | 'ENVELOPE_WRONG_TYPE'
  | 'ENVELOPE_BAD_SIGNATURE'
  | 'ENVELOPE_UNTRUSTED_KEY'
  | 'ENVELOPE_THRESHOLD_NOT_MET';

export class EnvelopeError extends CodedError<EnvelopeCode> {}

/** A key certificate (root-signed delegation to a signing key) that cannot be relied on. */
export type CertificateCode =
  | 'CERT_MALFORMED'
  | 'CERT_BAD_SIGNATURE'
  | 'CERT_EXPIRED'
  | 'CERT_NOT_YET_VALID'
  | 'CERT_WRONG_PURPOSE'
  | 'CERT_NOT_FOUND';

export class CertificateError extends CodedError<CertificateCode> {}
