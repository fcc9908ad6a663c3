import { checkUsable, verifyCertificateSignature, type KeyCertificate } from './certificate.ts';
import { CertificateError, EnvelopeError } from './errors.ts';
import { decodeEnvelope, parseEnvelope, verifyEnvelopeSigners, type Envelope, type VerifyEnvelopeOptions } from './envelope.ts';
import { parseVerifierKey, type VerifierKey } from './verifier-key.ts';
import { quote } from '../quote.ts';

export interface CertifiedEnvelopeCheck {
  /** The pinned root: its VerifierKey or C2SP verifier key string. */
  readonly root: VerifierKey | string;
  /** Encoded certificate envelopes the publisher ships (current and past keys). */
  readonly certificates: readonly (Uint8Array | Envelope)[];
  /** The purpose the signing key must be certified for. */
  readonly purpose: string;
  /**
   * The instant the signing key must have been certified at, ms since the
   * Unix epoch: now for a live fetch; for an archived object, the time the
   * transparency log recorded it (never a time read from the unverified
   * payload).
   */
  readonly at: number;
  readonly maxBytes?: number;
}

export interface CertifiedPayload {
  readonly payload: Uint8Array;
  /** The certificate of the (first) signing key that verified. */
  readonly certificate: KeyCertificate;
}

/**
 * Verifies an envelope signed by a root-certified key. How the certificate
 * is chosen:
 *  1. every supplied certificate must carry a valid root signature (a bad
 *     one fails the whole check: CERT_BAD_SIGNATURE / CERT_MALFORMED);
 *  2. the candidates are the certificates whose key ID equals a signature's
 *     key ID in the envelope (none: CERT_NOT_FOUND);
 *  3. of those, the ones for `purpose` that are valid at `at` supply the
 *     trusted keys (none: the candidate's CERT_WRONG_PURPOSE, CERT_EXPIRED
 *     or CERT_NOT_YET_VALID);
 *  4. the envelope is verified against exactly those keys (EnvelopeError
 *     codes, as verifyEnvelope).
 * So a rotated-out key's envelopes keep verifying for times inside its old
 * certificate's window, and a new key needs only a new certificate.
 */
export function verifyCertifiedEnvelope(input: Uint8Array | Envelope, expectedPayloadType: string, check: CertifiedEnvelopeCheck): CertifiedPayload {
  const root = typeof check.root === 'string' ? parseVerifierKey(check.root) : check.root;
  const envelope = input instanceof Uint8Array ? decodeEnvelope(input, check.maxBytes) : parseEnvelope(input);
  if (envelope.payloadType !== expectedPayloadType) {
    throw new EnvelopeError('ENVELOPE_WRONG_TYPE', `envelope holds ${quote(envelope.payloadType)}, expected '${expectedPayloadType}'`);
  }
  const signerIds = new Set(envelope.signatures.map((s) => s.keyId));

  const certificates = check.certificates.map((certificate) => verifyCertificateSignature(certificate, root));
  const candidates = certificates.filter((c) => signerIds.has(c.verifierKey.keyIdHex));
  if (candidates.length === 0) {
    throw new CertificateError('CERT_NOT_FOUND', `no certificate for the signing key(s) ${[...signerIds].join(', ')}`);
  }
  const usable: KeyCertificate[] = [];
  let firstProblem: unknown;
  for (const candidate of candidates) {
    try {
      checkUsable(candidate, check);
      usable.push(candidate);
    } catch (problem) {
      firstProblem ??= problem;
    }
  }
  if (usable.length === 0) throw firstProblem;

  const options: VerifyEnvelopeOptions = check.maxBytes === undefined ? {} : { maxBytes: check.maxBytes };
  const { payload, signedBy } = verifyEnvelopeSigners(envelope, expectedPayloadType, usable.map((c) => c.verifierKey), options);
  const certificate = usable.find((c) => signedBy.some((key) => key.equals(c.verifierKey)));
  if (certificate === undefined) throw new Error('unreachable: a verified signer has no certificate');
  return { payload, certificate };
}
