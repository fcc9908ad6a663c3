import { CertificateError, CryptoError, EnvelopeError } from './errors.ts';
import { verifyEnvelope, type Envelope } from './envelope.ts';
import { SIGNATURE_TYPE_ED25519 } from './key-id.ts';
import { isPlainRecord, packMsgpack, unknownKeys, unpackMsgpack } from './msgpack.ts';
import { parseVerifierKey, VerifierKey } from './verifier-key.ts';
import { quote } from '../quote.ts';

/**
 * Key certificates of protocol v1 (root documents replaced them: shared/trust,
 * docs/PROTOCOL.md 4.8). Kept only to read a data folder written before
 * (server/keys/legacy-root.ts migrates its certified keys into root version
 * 1): nothing issues or trusts them any more.
 */
export const KEY_CERTIFICATE_PAYLOAD_TYPE = 'hashfeed/key-certificate/v1';

export interface KeyCertificate {
  /** The certified signing key (its verifier key string on the wire). */
  readonly verifierKey: VerifierKey;
  /** What the key may sign, e.g. 'feed-signing'; verifiers require an exact match. */
  readonly purpose: string;
  /** Start of validity, inclusive, milliseconds since the Unix epoch. */
  readonly notBefore: number;
  /** End of validity, exclusive, milliseconds since the Unix epoch. */
  readonly notAfter: number;
  /** Issuer-assigned, unique per root; lets operators name a certificate. */
  readonly serial: number;
}

const MAX_CERTIFICATE_BYTES = 4096;
const PURPOSE_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
const FIELDS = ['verifierKey', 'purpose', 'notBefore', 'notAfter', 'serial'];

/** The exact payload bytes the root signs: a msgpack map of the five fields. */
export function encodeKeyCertificate(certificate: KeyCertificate): Uint8Array {
  checkCertificate(certificate);
  return packMsgpack({
    verifierKey: certificate.verifierKey.text,
    purpose: certificate.purpose,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    serial: certificate.serial,
  });
}

/** Decodes a certificate payload; use only on bytes verifyEnvelope returned. Throws CERT_MALFORMED. */
export function decodeKeyCertificate(payload: Uint8Array): KeyCertificate {
  if (payload.byteLength > MAX_CERTIFICATE_BYTES) throw malformed(`certificate payload exceeds ${MAX_CERTIFICATE_BYTES} bytes`);
  let value: unknown;
  try {
    value = unpackMsgpack(payload);
  } catch (cause) {
    throw new CertificateError('CERT_MALFORMED', 'certificate payload is not a single msgpack value', { cause });
  }
  if (!isPlainRecord(value)) throw malformed('certificate payload must be a map');
  const extra = unknownKeys(value, FIELDS);
  if (extra.length > 0) throw malformed(`certificate has unknown field ${quote(extra[0] ?? '')}`);
  let verifierKey: VerifierKey;
  try {
    verifierKey = parseVerifierKey(value.verifierKey);
  } catch (cause) {
    throw new CertificateError('CERT_MALFORMED', 'certificate.verifierKey is not an Ed25519 verifier key', { cause });
  }
  const { purpose, notBefore, notAfter, serial } = value;
  if (typeof purpose !== 'string') throw malformed('certificate.purpose must be a string');
  if (!isUint(notBefore) || !isUint(notAfter) || !isUint(serial)) throw malformed('certificate times and serial must be non-negative integers');
  const certificate = { verifierKey, purpose, notBefore, notAfter, serial };
  checkCertificate(certificate);
  return certificate;
}

/** Root signature and shape only (CERT_BAD_SIGNATURE, CERT_MALFORMED): what a legacy migration needs to list a v1 key with its window. */
export function verifyCertificateSignature(certificate: Uint8Array | Envelope, root: VerifierKey | string): KeyCertificate {
  const rootKey = typeof root === 'string' ? parseVerifierKey(root) : root;
  let payload: Uint8Array;
  try {
    payload = verifyEnvelope(certificate, KEY_CERTIFICATE_PAYLOAD_TYPE, [rootKey], { maxBytes: MAX_CERTIFICATE_BYTES * 2 });
  } catch (cause) {
    if (cause instanceof EnvelopeError && (cause.code === 'ENVELOPE_BAD_SIGNATURE' || cause.code === 'ENVELOPE_UNTRUSTED_KEY')) {
      throw new CertificateError('CERT_BAD_SIGNATURE', `certificate is not signed by root ${rootKey.name}+${rootKey.keyIdHex}`, { cause });
    }
    if (cause instanceof EnvelopeError) throw new CertificateError('CERT_MALFORMED', `certificate envelope is unusable: ${cause.message}`, { cause });
    throw cause;
  }
  return decodeKeyCertificate(payload);
}

function checkCertificate(certificate: KeyCertificate): void {
  if (!PURPOSE_PATTERN.test(certificate.purpose)) throw malformed("certificate.purpose must match /^[a-z][a-z0-9-]{0,63}$/");
  if (!isUint(certificate.notBefore) || !isUint(certificate.notAfter) || !isUint(certificate.serial)) {
    throw malformed('certificate times and serial must be non-negative integers');
  }
  if (certificate.notAfter <= certificate.notBefore) throw malformed('certificate.notAfter must be after certificate.notBefore');
  if (!(certificate.verifierKey instanceof VerifierKey)) throw new CryptoError('KEY_MALFORMED', 'certificate.verifierKey must be a VerifierKey');
  if (certificate.verifierKey.signatureType !== SIGNATURE_TYPE_ED25519) throw new CryptoError('KEY_WRONG_TYPE', 'only Ed25519 keys can be certified');
}

function isUint(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function malformed(message: string): CertificateError {
  return new CertificateError('CERT_MALFORMED', message);
}
