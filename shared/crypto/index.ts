/**
 * Ed25519 keys with C2SP names, signed envelopes, and a reader for the key
 * certificates of protocol v1 (legacy data folders). Wire formats: docs/PROTOCOL.md.
 */
export { CryptoError, EnvelopeError, CertificateError } from './errors.ts';
export type { CryptoCode, EnvelopeCode, CertificateCode } from './errors.ts';

export { SIGNATURE_TYPE_ED25519, SIGNATURE_TYPE_COSIGNATURE_V1, computeKeyId, keyNameProblem } from './key-id.ts';
export type { SignatureType } from './key-id.ts';
export { VerifierKey, parseVerifierKey } from './verifier-key.ts';
export type { ParseVerifierKeyOptions } from './verifier-key.ts';
export { SigningKey, generateSigningKey, parseSignerKey } from './signing-key.ts';
export type { GenerateSigningKeyOptions } from './signing-key.ts';
export { writePrivateKeyFile, readPrivateKeyFile, readPrivateKeyFromEnv, loadSigningKey, writeSecretFile, readSecretFile } from './key-file.ts';
export type { SigningKeySource, WritePrivateKeyFileOptions } from './key-file.ts';

export {
  ENVELOPE_DOMAIN,
  DEFAULT_MAX_ENVELOPE_BYTES,
  MAX_ENVELOPE_SIGNATURES,
  preAuthEncoding,
  signEnvelope,
  encodeEnvelope,
  decodeEnvelope,
  parseEnvelope,
  verifyEnvelope,
  verifyEnvelopeSigners,
} from './envelope.ts';
export type { Envelope, EnvelopeSignature, VerifyEnvelopeOptions, VerifiedEnvelope } from './envelope.ts';

// Protocol v1's key certificates, read only to migrate a legacy data folder (server/keys/legacy-root.ts).
export { KEY_CERTIFICATE_PAYLOAD_TYPE, encodeKeyCertificate, decodeKeyCertificate, verifyCertificateSignature } from './certificate.ts';
export type { KeyCertificate } from './certificate.ts';

export { encodeBase64, decodeBase64, encodeHex, bytesEqual } from './bytes.ts';
