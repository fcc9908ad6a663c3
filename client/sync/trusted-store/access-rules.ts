/**
 * The access list's checks (docs/PROTOCOL.md 13.4 steps 4 to 6), one named
 * function each. Only `trusted-store.ts` calls them (STYLE 14).
 */
import { checkEpochKeyCommitment, SealError, type AccessList } from '../../../shared/seal/index.ts';
import { AccessError } from '../../access/errors.ts';
import type { AccessRing } from '../../access/access-ring.ts';
import { isFromFuture } from '../../replica/trusted-state.ts';

/** 13.4 step 4: this provider's list, for the pinned feed. */
export function checkAccessScope(list: AccessList, provider: string, feed: string): void {
  if (list.provider !== provider) throw new AccessError('ACCESS_WRONG_PROVIDER', `the access list is for '${list.provider}', this sidecar is '${provider}'`);
  if (list.feed !== feed) throw new AccessError('ACCESS_WRONG_FEED', `the access list is for feed '${list.feed}', this sidecar follows '${feed}'`);
}

/**
 * 13.4 step 5 (as 10.3 step 5 for orders): not from the future, and no
 * rollback from the list held, unless that one is itself from the future (a
 * clock that stepped back must not lock out every correct list). Returns
 * false for the list already held (same issuedAt): a no-op.
 */
export function checkAccessFresh(list: AccessList, held: AccessList | undefined, now: number, maxClockSkewMs: number): boolean {
  if (isFromFuture(list.issuedAt, now, maxClockSkewMs)) {
    const seconds = Math.round((list.issuedAt - now) / 1000);
    throw new AccessError('ACCESS_FROM_FUTURE', `the access list was issued ${seconds} s ahead of this sidecar's clock (at most ${Math.round(maxClockSkewMs / 1000)} s allowed)`);
  }
  if (held === undefined) return true;
  if (list.issuedAt < held.issuedAt && !isFromFuture(held.issuedAt, now, maxClockSkewMs)) {
    throw new AccessError('ACCESS_ROLLBACK', `the access list was issued at ${list.issuedAt}, before the one held (${held.issuedAt}): a replayed list`);
  }
  return list.issuedAt !== held.issuedAt;
}

/**
 * 13.4 step 6: opens every wrap addressed to this sidecar's key
 * (ACCESS_UNWRAP_FAILED) and checks each key against its commitment
 * (ACCESS_KEY_MISMATCH). All or nothing: one bad wrap refuses the list.
 */
export async function openAccessKeys(list: AccessList, ring: AccessRing): Promise<Map<number, Uint8Array>> {
  const keys = new Map<number, Uint8Array>();
  try {
    for (const wrap of ring.wrapsForThisSidecar(list)) {
      let key: Uint8Array;
      try {
        key = await ring.unwrap(list, wrap);
      } catch (cause) {
        if (cause instanceof SealError) throw new AccessError('ACCESS_UNWRAP_FAILED', `the access list's key of epoch ${wrap.epoch}: ${cause.message}`, { cause });
        throw cause;
      }
      keys.set(wrap.epoch, key);
      try {
        checkEpochKeyCommitment(list.feed, wrap.epoch, key, wrap.keyCommitment);
      } catch (cause) {
        if (cause instanceof SealError) throw new AccessError('ACCESS_KEY_MISMATCH', `the access list's key of epoch ${wrap.epoch}: ${cause.message}`, { cause });
        throw cause;
      }
    }
  } catch (err) {
    for (const key of keys.values()) key.fill(0);
    throw err;
  }
  return keys;
}
