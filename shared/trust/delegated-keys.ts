import { decodeEnvelope, verifyEnvelopeSigners, type VerifierKey } from '../crypto/index.ts';
import { EnvelopeError } from '../crypto/errors.ts';
import { TrustError } from './errors.ts';
import type { DelegatedKey, RootDocument } from './root-document.ts';
import { quote } from '../quote.ts';

/**
 * Which online keys a trusted root lets sign what, and when (docs/PROTOCOL.md
 * 4.4 to 4.6). A key is usable for `purpose` at `at` when the root lists it
 * for that purpose, `notBefore <= at < notAfter`, and it is not revoked at
 * or before `at`.
 */
export function signerProblem(root: RootDocument, key: DelegatedKey, purpose: string, at: number): TrustError | null {
  const name = `key ${key.verifierKey.name}+${key.verifierKey.keyIdHex}`;
  if (key.purpose !== purpose) return new TrustError('SIGNER_WRONG_PURPOSE', `${name} is listed for '${key.purpose}', not '${purpose}'`);
  if (at < key.notBefore) return new TrustError('SIGNER_NOT_YET_VALID', `${name} is valid from ${instant(key.notBefore)}, not at ${instant(at)}`);
  if (at >= key.notAfter) return new TrustError('SIGNER_EXPIRED', `${name} expired at ${instant(key.notAfter)}, before ${instant(at)}`);
  const revokedAt = revocationTime(root, key.verifierKey);
  if (revokedAt !== undefined && at >= revokedAt) return new TrustError('SIGNER_REVOKED', `${name} was revoked at ${instant(revokedAt)}`);
  return null;
}

/** When the root revoked `key`, if it did. */
export function revocationTime(root: RootDocument, key: VerifierKey): number | undefined {
  return root.revoked.find((r) => r.verifierKey.equals(key))?.revokedAt;
}

/** The keys usable for `purpose` at `at`: for a signed note (a checkpoint), which carries no envelope. */
export function usableKeys(root: RootDocument, purpose: string, at: number): readonly DelegatedKey[] {
  return root.keys.filter((key) => signerProblem(root, key, purpose, at) === null);
}

export interface DelegatedPayload {
  /** The payload bytes, verified and still undecoded. */
  readonly payload: Uint8Array;
  /** The listed keys whose signatures verified. */
  readonly signers: readonly DelegatedKey[];
}

/**
 * 4.5: a freshness object (timestamp, order list) is signed by a key usable
 * for `purpose` now. Errors: the envelope's own (EnvelopeError), or the
 * first signer's TrustError (SIGNER_NOT_LISTED, SIGNER_WRONG_PURPOSE,
 * SIGNER_NOT_YET_VALID, SIGNER_EXPIRED, SIGNER_REVOKED).
 */
export function verifyFreshObject(envelope: Uint8Array, payloadType: string, root: RootDocument, purpose: string, now: number, maxBytes: number): DelegatedPayload {
  return verifyDelegated(envelope, payloadType, root, purpose, maxBytes, (key) => signerProblem(root, key, purpose, now));
}

/**
 * 4.6, first half: an archived object (delta, snapshot) is signed by a key
 * the root lists for `purpose`, whatever the time; the caller decodes it,
 * then judges the signers at the time the log recorded it
 * (checkSignedWhileValid).
 */
export function verifyArchivedObject(envelope: Uint8Array, payloadType: string, root: RootDocument, purpose: string, maxBytes: number): DelegatedPayload {
  return verifyDelegated(envelope, payloadType, root, purpose, maxBytes, (key) =>
    key.purpose === purpose ? null : new TrustError('SIGNER_WRONG_PURPOSE', `key ${key.verifierKey.name}+${key.verifierKey.keyIdHex} is listed for '${key.purpose}', not '${purpose}'`),
  );
}

/** 4.6, second half: one signer was usable for `purpose` at `recordedAt` (valid then, not revoked by then). Throws the first signer's problem. */
export function checkSignedWhileValid(root: RootDocument, signers: readonly DelegatedKey[], purpose: string, recordedAt: number): void {
  let first: TrustError | undefined;
  for (const signer of signers) {
    const problem = signerProblem(root, signer, purpose, recordedAt);
    if (problem === null) return;
    first ??= problem;
  }
  throw first ?? new TrustError('SIGNER_NOT_LISTED', 'no signer is listed by the trusted root');
}

function verifyDelegated(envelope: Uint8Array, payloadType: string, root: RootDocument, purpose: string, maxBytes: number, judge: (key: DelegatedKey) => TrustError | null): DelegatedPayload {
  const decoded = decodeEnvelope(envelope, maxBytes);
  if (decoded.payloadType !== payloadType) {
    throw new EnvelopeError('ENVELOPE_WRONG_TYPE', `envelope holds ${quote(decoded.payloadType)}, expected '${payloadType}'`);
  }
  const signerIds = new Set(decoded.signatures.map((s) => s.keyId));
  const candidates = root.keys.filter((key) => signerIds.has(key.verifierKey.keyIdHex));
  if (candidates.length === 0) {
    throw new TrustError('SIGNER_NOT_LISTED', `root ${root.version} lists no key ${[...signerIds].join(', ')} (a ${payloadType} needs a '${purpose}' key)`);
  }
  const usable: DelegatedKey[] = [];
  let first: TrustError | undefined;
  for (const candidate of candidates) {
    const problem = judge(candidate);
    if (problem === null) usable.push(candidate);
    else first ??= problem;
  }
  if (usable.length === 0) throw first ?? new TrustError('SIGNER_NOT_LISTED', 'no usable signer');
  const { payload, signedBy } = verifyEnvelopeSigners(decoded, payloadType, usable.map((k) => k.verifierKey), { maxBytes });
  return { payload, signers: usable.filter((k) => signedBy.some((key) => key.equals(k.verifierKey))) };
}

function instant(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms after the epoch` : date.toISOString();
}
