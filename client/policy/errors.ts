import { CodedError } from '../../shared/errors.ts';

/**
 * Why the policy could not be set up or its orders not refreshed. After an
 * order fetch fails, the sidecar keeps deciding on the last accepted list,
 * which lapses on its own (docs/SAFEGUARDS.md). Codes are public (logs,
 * /metrics) and never renamed.
 */
export type PolicyCode =
  | 'POLICY_CONFIG_INVALID'
  | 'ORDERS_NETWORK'
  | 'ORDERS_HTTP_STATUS'
  | 'ORDERS_TOO_LARGE'
  | 'ORDERS_UNTRUSTED'
  | 'ORDERS_MALFORMED'
  | 'ORDERS_WRONG_PROVIDER'
  | 'ORDERS_ROLLBACK'
  | 'ORDERS_FROM_FUTURE';

export class PolicyError extends CodedError<PolicyCode> {
  /** From Retry-After on 429/503: the earliest sensible retry. */
  readonly retryAfterMs: number | undefined;

  constructor(code: PolicyCode, message: string, options?: { cause?: unknown; retryAfterMs?: number | undefined }) {
    super(code, message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}
