import { CodedError } from '../../shared/errors.ts';

/**
 * Why an access list (docs/PROTOCOL.md 13.4) was refused or not fetched, or
 * why this sidecar's encryption key (13.5) could not be registered. After
 * any of them the sidecar keeps the epoch keys it holds. Codes are public
 * (logs, /metrics) and never renamed.
 * - ACCESS_UNTRUSTED: not signed by a `provider-list` key the trusted root lists and allows now, or no root is trusted yet.
 * - ACCESS_MALFORMED: the envelope or the payload fails its strict guard.
 * - ACCESS_WRONG_PROVIDER / ACCESS_WRONG_FEED: a list for another provider account or another feed.
 * - ACCESS_FROM_FUTURE: issued more than the allowed skew ahead of this sidecar's clock.
 * - ACCESS_ROLLBACK: issued before the list held (a replayed list).
 * - ACCESS_UNWRAP_FAILED: a wrap addressed to this sidecar's key does not open with it.
 * - ACCESS_KEY_MISMATCH: an unwrapped epoch key is not the one its commitment names.
 * - ACCESS_NETWORK / ACCESS_HTTP_STATUS / ACCESS_TOO_LARGE: the fetch failed before anything was verified.
 * - ENCRYPTION_KEY_REGISTRATION_FAILED: POST /v1/provider/encryption-keys failed.
 */
export type AccessCode =
  | 'ACCESS_UNTRUSTED'
  | 'ACCESS_MALFORMED'
  | 'ACCESS_WRONG_PROVIDER'
  | 'ACCESS_WRONG_FEED'
  | 'ACCESS_FROM_FUTURE'
  | 'ACCESS_ROLLBACK'
  | 'ACCESS_UNWRAP_FAILED'
  | 'ACCESS_KEY_MISMATCH'
  | 'ACCESS_NETWORK'
  | 'ACCESS_HTTP_STATUS'
  | 'ACCESS_TOO_LARGE'
  | 'ENCRYPTION_KEY_REGISTRATION_FAILED';

export class AccessError extends CodedError<AccessCode> {
  /** The HTTP status of an ACCESS_HTTP_STATUS or ENCRYPTION_KEY_REGISTRATION_FAILED answer, when there was one. */
  readonly status: number | undefined;
  /** From Retry-After: the earliest sensible retry. */
  readonly retryAfterMs: number | undefined;

  constructor(code: AccessCode, message: string, options?: { cause?: unknown; status?: number | undefined; retryAfterMs?: number | undefined }) {
    super(code, message, options);
    this.status = options?.status;
    this.retryAfterMs = options?.retryAfterMs;
  }
}
