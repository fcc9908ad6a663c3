import { CodedError } from '../../shared/errors.ts';

/**
 * Why a sync round failed. After any of them the replica keeps serving its
 * last good version; the codes are public (logs, /metrics, health).
 */
export type SyncCode =
  | 'SYNC_NETWORK'
  | 'SYNC_HTTP_STATUS'
  | 'SYNC_RATE_LIMITED'
  | 'SYNC_TOO_LARGE'
  | 'SYNC_MALFORMED'
  | 'SYNC_UNTRUSTED'
  | 'SYNC_WRONG_FEED'
  | 'SYNC_ROLLBACK'
  | 'SYNC_FREEZE'
  | 'SYNC_FROM_FUTURE'
  | 'SYNC_FAST_FORWARD'
  | 'SYNC_VERSION_GAP'
  | 'SYNC_DIGEST_MISMATCH'
  | 'SYNC_NOT_IN_LOG'
  | 'SYNC_SPLIT_VIEW'
  /** With witnessQuorum K > 0: fewer than K configured witnesses cosigned the checkpoint (PROTOCOL 9.3 step 6a). */
  | 'SYNC_WITNESS_QUORUM'
  /** The timestamp names a root version newer than any the source served (PROTOCOL 9.3 step 2b): a rotation or revocation is withheld. */
  | 'SYNC_ROOT_WITHHELD'
  /** A sealed object's epoch key is not held (PROTOCOL 13.6 step 3): the provider is not entitled, or not for that epoch. */
  | 'SYNC_NO_ACCESS'
  /** A sealed object does not open under its committed epoch key, or disagrees with its signed header (PROTOCOL 13.6 steps 4, 5). */
  | 'SYNC_SEAL_BROKEN';

export class SyncError extends CodedError<SyncCode> {
  /** From Retry-After or the Centre's wait hint: the earliest sensible retry. */
  readonly retryAfterSeconds: number | undefined;
  /** SYNC_NO_ACCESS: the epoch whose key is not held. */
  readonly epoch: number | undefined;

  constructor(code: SyncCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number; epoch?: number }) {
    super(code, message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.epoch = options?.epoch;
  }
}
