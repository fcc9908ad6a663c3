import { EnvelopeError, verifyEnvelopeSigners, type VerifierKey } from '../crypto/index.ts';
import { TrustError } from './errors.ts';
import { decodeRootDocument, MAX_ROOT_PAYLOAD_BYTES, ROOT_PAYLOAD_TYPE, type RootDocument } from './root-document.ts';

/** What a client pins before it has seen anything: root keys and how many of them must sign (a single `rootKey` is a pin with threshold 1). */
export interface RootPin {
  readonly keys: readonly VerifierKey[];
  readonly threshold: number;
}

/** A root document the client verified, with the exact envelope it came in (kept, so that it can be shown to others). */
export interface TrustedRoot {
  readonly document: RootDocument;
  readonly envelope: Uint8Array;
}

/** tuf-js's default: a client walks at most this many root versions in one update. */
export const DEFAULT_MAX_ROOT_ROTATIONS = 256;
/** A root envelope: its payload and up to 16 signatures. */
export const MAX_ROOT_ENVELOPE_BYTES = MAX_ROOT_PAYLOAD_BYTES + 16 * 1024;

/**
 * Walks the root chain (docs/PROTOCOL.md 4.3, after TUF 5.3). `newer` holds
 * the envelopes the source offers for versions trusted+1, trusted+2, ...
 * (from version 1 when nothing is trusted yet), unverified; their position
 * gives the version they must carry, so nothing is decoded before its
 * signatures verify.
 *
 * Without a trusted root, the first envelope signed by the pin's threshold
 * (and by its own) is the anchor (step 1). Each later one must be signed by
 * a threshold of its predecessor's root keys (step 2) and of its own (step
 * 3), carry the next version and the same feed (step 4), and keep every
 * revocation its predecessor made (step 5). The first one that fails stops
 * the walk with its error: what was verified before it is kept by the
 * caller only if it persists `walked` (the store does not, it refuses the
 * round, as TUF does).
 */
export function walkRootChain(
  pin: RootPin,
  trusted: TrustedRoot | null,
  newer: readonly Uint8Array[],
  maxRotations = DEFAULT_MAX_ROOT_ROTATIONS,
): { readonly root: TrustedRoot; readonly walked: readonly TrustedRoot[] } {
  let current = trusted;
  let rest = newer;
  if (current === null) {
    const index = rest.findIndex((envelope) => signedBy(envelope, pin.keys, pin.threshold) !== null);
    if (index < 0) throw new TrustError('ROOT_NOT_ANCHORED', `no root document is signed by ${pin.threshold} of the ${pin.keys.length} pinned root key(s)`);
    current = verifyAnchor(rest[index] ?? new Uint8Array(), pin);
    rest = rest.slice(index + 1);
  }
  if (rest.length > maxRotations) throw new TrustError('ROOT_TOO_MANY_ROTATIONS', `${rest.length} root versions to walk, at most ${maxRotations} per update`);
  const walked: TrustedRoot[] = trusted === null ? [current] : [];
  for (const envelope of rest) {
    current = verifySuccessor(current, envelope);
    walked.push(current);
  }
  return { root: current, walked };
}

/** 4.3 step 1: the anchor is signed by the pin's threshold, and by its own. */
export function verifyAnchor(envelope: Uint8Array, pin: RootPin): TrustedRoot {
  const payload = signatures(envelope, pin.keys, pin.threshold, 'the pinned root keys');
  const document = decodeRootDocument(payload);
  signatures(envelope, document.rootKeys, document.rootThreshold, `root ${document.version}'s own root keys`);
  return { document, envelope };
}

/** 4.3 steps 2 to 5 (TUF 5.3.4 to 5.3.6): `envelope` may succeed `trusted`. */
export function verifySuccessor(trusted: TrustedRoot, envelope: Uint8Array): TrustedRoot {
  const old = trusted.document;
  const payload = signatures(envelope, old.rootKeys, old.rootThreshold, `root ${old.version}'s root keys`);
  const document = decodeRootDocument(payload);
  signatures(envelope, document.rootKeys, document.rootThreshold, `root ${document.version}'s own root keys`);
  checkFollows(old, document);
  return { document, envelope };
}

/** 4.3 steps 4 and 5, on decoded documents: the next version, the same feed, every revocation kept. */
export function checkFollows(old: RootDocument, document: RootDocument): void {
  if (document.version !== old.version + 1) {
    throw new TrustError('ROOT_VERSION_NOT_NEXT', `root ${document.version} offered where ${old.version + 1} must follow ${old.version}`);
  }
  if (document.feed !== old.feed) throw new TrustError('ROOT_WRONG_FEED', `root ${document.version} is for feed '${document.feed}', not '${old.feed}'`);
  for (const before of old.revoked) {
    const after = document.revoked.find((r) => r.verifierKey.equals(before.verifierKey));
    // Revocation cannot be undone or delayed: a stolen root threshold aside, a revoked key stays revoked.
    if (after === undefined || after.revokedAt > before.revokedAt) {
      throw new TrustError('ROOT_REVOCATION_DROPPED', `root ${document.version} drops or delays the revocation of ${before.verifierKey.name}+${before.verifierKey.keyIdHex}`);
    }
  }
}

function signatures(envelope: Uint8Array, keys: readonly VerifierKey[], threshold: number, whose: string): Uint8Array {
  try {
    return verifyEnvelopeSigners(envelope, ROOT_PAYLOAD_TYPE, keys, { threshold, maxBytes: MAX_ROOT_ENVELOPE_BYTES }).payload;
  } catch (cause) {
    if (!(cause instanceof EnvelopeError)) throw cause;
    if (cause.code === 'ENVELOPE_MALFORMED' || cause.code === 'ENVELOPE_TOO_LARGE' || cause.code === 'ENVELOPE_WRONG_TYPE') {
      throw new TrustError('ROOT_MALFORMED', `root envelope: ${cause.message}`, { cause });
    }
    throw new TrustError('ROOT_THRESHOLD_NOT_MET', `a root document is not signed by ${threshold} of ${whose}: ${cause.message}`, { cause });
  }
}

function signedBy(envelope: Uint8Array, keys: readonly VerifierKey[], threshold: number): Uint8Array | null {
  try {
    return signatures(envelope, keys, threshold, 'the pinned root keys');
  } catch (cause) {
    if (cause instanceof TrustError) return null;
    throw cause;
  }
}
