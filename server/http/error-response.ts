import type { Context } from 'hono';
import { CodedError } from '../../shared/errors.ts';
import { IngestError } from '../ingest/errors.ts';
import { ApiError, type HttpStatus } from './api-error.ts';

/** Status for a domain error code; anything unlisted from a domain is a client error. */
const STATUS_BY_CODE: Readonly<Record<string, HttpStatus>> = {
  STORE_NOT_FOUND: 404,
  STORE_CONFLICT: 409,
  STORE_HISTORY_IMMUTABLE: 409,
  INGEST_UNSUPPORTED_TYPE: 415,
  INGEST_TOO_MANY_ROWS: 413,
  INGEST_INVALID_ROWS: 422,
  REPORT_KEY_PENDING: 403,
  PROVIDER_KEY_NOT_FOUND: 404,
  PROVIDER_KEY_AMBIGUOUS: 409,
  PROVIDER_KEY_REVOKED: 409,
  REVIEW_NOT_CLAIMED: 409,
  REVIEW_LEASE_EXPIRED: 409,
  REVIEW_ALREADY_CLAIMED: 409,
  REVIEW_ALREADY_DECIDED: 409,
  REVIEW_NOT_DECIDED: 409,
  REVIEW_SAME_REVIEWER: 403,
  REVIEW_NO_QA_PENDING: 409,
  REVIEW_LEASE_LIVE: 409,
  REVIEW_REASON_REQUIRED: 400,
  REVIEW_PURGED: 409,
  ROUTING_NO_RECIPIENT: 409,
  ROUTING_TOO_MANY_RECIPIENTS: 409,
  INBOX_HOLD_INVALID: 400,
  INBOX_HOLD_TOO_LONG: 400,
  INBOX_HOLD_UNFOUNDED: 409,
  INDICATOR_NOT_SUSPENDED: 409,
  PUBLISH_PLAN_CHANGED: 409,
  ENCRYPTION_KEY_TAKEN: 409,
  ENCRYPTION_KEY_NOT_FOUND: 404,
  // The Centre's own state (online keys lapsed, not rotated): no request can fix it, and a client should retry later.
  KEYRING_NO_SIGNING_KEY: 503,
};

/** The HTTP status of a domain error (the console renders the same codes as pages). */
export function statusOfCode(code: string): HttpStatus {
  return STATUS_BY_CODE[code] ?? (code.startsWith('STORE_') ? 500 : 400);
}

/**
 * The one place errors become HTTP answers: `{"error":{"code","message"}}`
 * with a stable code. Unexpected errors are logged by the caller and never
 * leak their message (which may hold internals) to the client.
 */
export function errorResponse(c: Context, err: unknown, onUnexpected: (err: unknown) => void): Response {
  if (err instanceof ApiError) {
    if (err.retryAfterSeconds !== undefined) c.header('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
    return c.json({ error: err.toJSON() }, err.status);
  }
  if (err instanceof IngestError) {
    return c.json({ error: { ...err.toJSON(), rows: err.rows } }, STATUS_BY_CODE[err.code] ?? 400);
  }
  if (err instanceof CodedError && err.code !== 'INTERNAL') {
    const status = statusOfCode(err.code);
    if (status >= 500) onUnexpected(err);
    return c.json({ error: err.toJSON() }, status);
  }
  onUnexpected(err);
  return c.json({ error: { code: 'INTERNAL', message: 'the server failed to handle the request' } }, 500);
}
