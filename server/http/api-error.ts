import { CodedError } from '../../shared/errors.ts';

export type ApiCode =
  | 'AUTH_MISSING'
  | 'AUTH_INVALID'
  | 'AUTH_FORBIDDEN'
  | 'RATE_LIMITED'
  | 'BODY_TOO_LARGE'
  | 'BODY_TIMEOUT'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'NOTHING_TO_PUBLISH'
  | 'NOT_PUBLISHED'
  | 'SNAPSHOT_GONE'
  | 'ACCESS_DENIED'
  | 'REQUEST_TIMEOUT'
  | 'INTERNAL';

export type HttpStatus = 400 | 401 | 403 | 404 | 408 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 503;

/** An error the API answers with: a stable code, a sentence, an HTTP status. */
export class ApiError extends CodedError<ApiCode> {
  readonly status: HttpStatus;
  /** Sent as Retry-After (rate limits, maintenance). */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: HttpStatus, code: ApiCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(code, message, options);
    this.status = status;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}
