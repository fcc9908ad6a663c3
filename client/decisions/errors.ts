import { CodedError } from '../../shared/errors.ts';

/**
 * Why a decisions list was not taken (docs/SIDECAR.md, "Decisions"). The
 * decisions already held stay; the next sync round asks again. Codes are
 * public (logs, /metrics) and never renamed.
 *
 * DECISIONS_UNTRUSTED: not signed by a `provider-list` key the trusted root
 * lists and that is valid and unrevoked now, or no root is trusted yet;
 * DECISIONS_MALFORMED: the envelope or the list breaks the format;
 * DECISIONS_WRONG_PROVIDER: a list for another provider;
 * DECISIONS_ROLLBACK: issued before the list held;
 * DECISIONS_FROM_FUTURE: issued further ahead of the local clock than maxClockSkewSeconds;
 * DECISIONS_OUT_OF_SEQUENCE: it does not start at the cursor held (entries would be skipped or replayed).
 */
export type DecisionsCode =
  | 'DECISIONS_NETWORK'
  | 'DECISIONS_HTTP_STATUS'
  | 'DECISIONS_TOO_LARGE'
  | 'DECISIONS_UNTRUSTED'
  | 'DECISIONS_MALFORMED'
  | 'DECISIONS_WRONG_PROVIDER'
  | 'DECISIONS_ROLLBACK'
  | 'DECISIONS_FROM_FUTURE'
  | 'DECISIONS_OUT_OF_SEQUENCE';

export class DecisionsError extends CodedError<DecisionsCode> {}
