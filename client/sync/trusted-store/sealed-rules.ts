/**
 * Opening a sealed delta or snapshot (docs/PROTOCOL.md 13.6 steps 3 to 5),
 * after its envelope verified and its header passed 9.3's checks. Only
 * `trusted-store.ts` calls these (STYLE 14).
 */
import { checkSealedAgrees, decodeSealedObject, openSealedObject, SealError, type SealedKind, type SealedObject } from '../../../shared/seal/index.ts';
import { WireError } from '../../../shared/wire/errors.ts';
import { SyncError } from '../errors.ts';

/** The sealed header and ciphertext, with the strict guard (SYNC_MALFORMED); nothing is decrypted yet. */
export function decodeSealed(kind: SealedKind, payload: Uint8Array): SealedObject {
  try {
    return decodeSealedObject(kind, payload, payload.byteLength);
  } catch (cause) {
    if (cause instanceof WireError || cause instanceof SealError) throw new SyncError('SYNC_MALFORMED', `sealed ${kind}: ${cause.message}`, { cause });
    throw cause;
  }
}

/**
 * 13.6 steps 3 and 4: the key of the header's epoch (SYNC_NO_ACCESS without
 * it), matching the signed commitment, opens the ciphertext
 * (SYNC_SEAL_BROKEN, cause SEAL_KEY_MISMATCH or SEAL_BROKEN). openSealedObject
 * decrypts in slices that yield to the event loop.
 */
export async function openSealed(sealed: SealedObject, epochKey: Uint8Array | undefined): Promise<Uint8Array> {
  if (epochKey === undefined) {
    throw new SyncError('SYNC_NO_ACCESS', `sealed ${sealed.kind} ${sealed.version} is sealed under epoch ${sealed.epoch}, whose key this sidecar was not given`, { epoch: sealed.epoch });
  }
  try {
    return await openSealedObject(sealed, epochKey);
  } catch (cause) {
    if (cause instanceof SealError) throw new SyncError('SYNC_SEAL_BROKEN', `sealed ${sealed.kind} ${sealed.version}: ${cause.message}`, { cause });
    throw cause;
  }
}

/** 13.6 step 5: the decrypted object says what its signed header says (SYNC_SEAL_BROKEN). */
export function checkAgreesWithHeader(sealed: SealedObject, inner: { readonly feed: string; readonly version: number; readonly createdAt: number; readonly previous?: number }): void {
  try {
    checkSealedAgrees(sealed, inner);
  } catch (cause) {
    if (cause instanceof SealError) throw new SyncError('SYNC_SEAL_BROKEN', cause.message, { cause });
    throw cause;
  }
}

/** True for a refusal because the object's epoch key is not held: a delta then falls back to the snapshot, once per round. */
export function isNoAccess(err: unknown): boolean {
  return err instanceof SyncError && err.code === 'SYNC_NO_ACCESS';
}

/**
 * 13.6 step 3: whether the latest snapshot may open after a delta was
 * refused for want of its epoch's key. Epochs only go up with versions, so
 * that snapshot is sealed under the delta's epoch or a later one: without a
 * key of any of them, downloading it (the whole feed) would be in vain.
 */
export function snapshotMayOpen(err: unknown, heldEpochs: readonly number[]): boolean {
  const epoch = err instanceof SyncError ? err.epoch : undefined;
  return epoch !== undefined && heldEpochs.some((held) => held > epoch);
}
