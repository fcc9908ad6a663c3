import { parseVerifierKey } from '../../crypto/index.ts';
import { decodeRootList } from '../../wire/delta-chain.ts';
import { walkRootChain } from '../root-chain.ts';
import { verifyArchivedObject, verifyFreshObject } from '../delegated-keys.ts';
import type { RootDocument } from '../root-document.ts';

/** Tests: the root a client pinning `pin` trusts after reading GET /v1/feed/keys (`body`). */
export function trustedRootFrom(body: Uint8Array, pin: string | readonly string[], threshold = 1): RootDocument {
  const keys = (typeof pin === 'string' ? [pin] : pin).map((text) => parseVerifierKey(text));
  return walkRootChain({ keys, threshold }, null, decodeRootList(body, 1 << 22)).root.document;
}

/** Tests: the payload of a Centre object, verified as a client would: fresh at `now`, or archived (any time in its key's window). */
export function openSigned(envelope: Uint8Array, payloadType: string, root: RootDocument, purpose: string, now?: number): Uint8Array {
  return now === undefined
    ? verifyArchivedObject(envelope, payloadType, root, purpose, envelope.byteLength).payload
    : verifyFreshObject(envelope, payloadType, root, purpose, now, envelope.byteLength).payload;
}
