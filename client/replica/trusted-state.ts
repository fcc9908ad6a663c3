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
}

export const EMPTY_STATE: TrustedState = { feed: null, version: 0, stateDigest: null, checkpoint: null, timestamp: null, lastSuccessAt: null };
