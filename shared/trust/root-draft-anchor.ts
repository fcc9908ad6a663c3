import { bytesEqual, decodeEnvelope, EnvelopeError } from '../crypto/index.ts';
import { TrustError } from './errors.ts';
import { MAX_ROOT_ENVELOPE_BYTES, walkRootChain, type RootPin, type TrustedRoot } from './root-chain.ts';
import { decodeRootDocument, ROOT_PAYLOAD_TYPE } from './root-document.ts';
import { RootDraftError, rootDraftStatus, type RootDraft } from './root-draft.ts';

/**
 * What a root key holder trusts, stated on their offline machine
 * (docs/OPERATIONS.md, "Keys"): root keys they pin, and/or root envelopes
 * they saved (one envelope, or a GET /v1/feed/keys body), oldest first.
 * Without a pin, the first saved envelope is taken as its own keys signed it.
 */
export interface RootDraftTrust {
  readonly pin: RootPin | null;
  readonly roots: readonly Uint8Array[];
}

/**
 * A draft's `previous` must be a root the holder trusts, or verifiably
 * descend from one (docs/PROTOCOL.md 4.7): otherwise the change a holder is
 * shown may be computed from a root an attacker signed alone.
 * ROOT_DRAFT_UNANCHORED when it is not; returns the anchored previous root.
 */
export function anchorRootDraft(draft: RootDraft, trust: RootDraftTrust): TrustedRoot {
  const previous = rootDraftStatus(draft).previous;
  const pin = trust.pin ?? ownPin(trust.roots[0]);
  if (pin === null) throw new RangeError('a root draft trust needs a pin or a saved root');
  try {
    // 4.3: the holder's saved roots are walked from the pin, as a client walks them.
    const trusted = trust.roots.length === 0 ? [] : walkRootChain(pin, null, trust.roots).walked;
    const same = trusted.find((root) => root.document.version === previous.version);
    if (same !== undefined) {
      if (!bytesEqual(payloadOf(same.envelope), payloadOf(draft.previous))) throw unanchored(`the draft's root version ${previous.version} is not the version ${previous.version} you trust`);
      return same;
    }
    const newest = trusted.at(-1) ?? null;
    if (newest !== null && newest.document.version > previous.version) {
      throw unanchored(`the draft's root version ${previous.version} is older than the roots you trust`);
    }
    // The next version after the newest trusted one (4.3 steps 2 to 5), or, with a pin alone, signed by the pin (step 1).
    return walkRootChain(pin, newest, [draft.previous]).root;
  } catch (cause) {
    if (cause instanceof TrustError || cause instanceof EnvelopeError) {
      throw unanchored(`the draft's root version ${previous.version} does not descend from the root you trust: ${cause.message}`, cause);
    }
    throw cause;
  }
}

/** The first saved root's own keys: it is trusted as they signed it (verifyAnchor checks it, in the walk). */
function ownPin(envelope: Uint8Array | undefined): RootPin | null {
  if (envelope === undefined) return null;
  try {
    const decoded = decodeEnvelope(envelope, MAX_ROOT_ENVELOPE_BYTES);
    if (decoded.payloadType !== ROOT_PAYLOAD_TYPE) throw unanchored('the root you trust is not a root envelope');
    const document = decodeRootDocument(decoded.payload);
    return { keys: document.rootKeys, threshold: document.rootThreshold };
  } catch (cause) {
    if (cause instanceof TrustError || cause instanceof EnvelopeError) throw unanchored(`the root you trust does not decode: ${cause.message}`, cause);
    throw cause;
  }
}

function payloadOf(envelope: Uint8Array): Uint8Array {
  return decodeEnvelope(envelope, MAX_ROOT_ENVELOPE_BYTES).payload;
}

function unanchored(message: string, cause?: unknown): RootDraftError {
  return new RootDraftError('ROOT_DRAFT_UNANCHORED', message, cause === undefined ? {} : { cause });
}
