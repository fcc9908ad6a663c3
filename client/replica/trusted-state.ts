/**
 * What the sidecar has verified and therefore trusts, persisted with the
 * replica in the same transaction as the data it describes. Every check of
 * the next sync compares against it: versions only go up, checkpoints only
 * extend, timestamps only move forward.
 */
export interface TrustedState {
  readonly feed: string | null;
  /** Version of the replica's contents; 0 before the first sync. */
  readonly version: number;
  readonly stateDigest: Uint8Array | null;
  /** The last checkpoint verified (signed note and the tree head it states). */
  readonly checkpoint: { readonly size: number; readonly rootHash: Uint8Array; readonly note: string } | null;
  /** The last timestamp accepted. */
  readonly timestamp: { readonly version: number; readonly issuedAt: number; readonly expires: number } | null;
  /** When a sync last completed without error (ms). */
  readonly lastSuccessAt: number | null;
  /** Version of the trusted root document (docs/PROTOCOL.md 4.3); null before the first round anchors it. */
  readonly rootVersion: number | null;
}

export const EMPTY_STATE: TrustedState = { feed: null, version: 0, stateDigest: null, checkpoint: null, timestamp: null, lastSuccessAt: null, rootVersion: null };

/** How far ahead of the local clock a signed `issuedAt` may be: five minutes (sidecar config `maxClockSkewSeconds`). */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * True when a signed `issuedAt` is more than `maxSkewMs` ahead of the local
 * clock (docs/PROTOCOL.md 9.3 step 3, 10.3 step 5): a Centre clock fault or
 * an NTP attack. Such an object is refused and replaces nothing held; one
 * already held counts as stale (its age is negative) and no longer guards
 * against rollback.
 */
export function isFromFuture(issuedAt: number, now: number, maxSkewMs: number): boolean {
  return issuedAt - now > maxSkewMs;
}
