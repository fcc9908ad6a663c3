/**
 * What an audit finds (docs/AUDIT.md, "Violation codes"): each a stable
 * code, the version, order or report it concerns, and a bounded sentence.
 */
export const VIOLATION_CODES = [
  'AUDIT_DELTA_SIGNATURE',
  'AUDIT_DELTA_MALFORMED',
  'AUDIT_DELTA_OUT_OF_ORDER',
  'AUDIT_EPOCH_KEY',
  'AUDIT_DIGEST_MISMATCH',
  'AUDIT_VERSION_MISSING',
  'AUDIT_NOT_IN_LOG',
  'AUDIT_CHECKPOINT_SIGNATURE',
  'AUDIT_CHECKPOINT_STALE',
  'AUDIT_ROOT_ROLLBACK',
  'AUDIT_LOG_ROOT_MISMATCH',
  'AUDIT_LOG_REWRITTEN',
  'AUDIT_LOG_DUPLICATE_LEAF',
  'AUDIT_LOG_LEAF_UNACCOUNTED',
  'AUDIT_LOG_TIME_REVERSED',
  'AUDIT_SNAPSHOT_MISMATCH',
  'AUDIT_ORDER_NOT_LOGGED',
  'AUDIT_ORDER_COMMITMENT_MISMATCH',
  'AUDIT_ORDER_NOT_SERVED',
  'AUDIT_REPORT_SIGNATURE',
  'AUDIT_REPORT_ORDER_NOT_LOGGED',
  'AUDIT_REPORT_OUTSIDE_WINDOW',
  'AUDIT_REPORT_SURFACE_NOT_ORDERED',
  'AUDIT_REPORT_SUBJECT_NOT_TARGETED',
] as const;
export type ViolationCode = (typeof VIOLATION_CODES)[number];

export interface Violation {
  readonly code: ViolationCode;
  readonly message: string;
  readonly version?: number;
  readonly orderId?: string;
  readonly reportId?: string;
}

/** Collects violations; past `max` it only counts, so a Centre that breaks everything cannot exhaust memory. */
export class Violations {
  readonly #items: Violation[] = [];
  readonly #max: number;
  #dropped = 0;

  constructor(max = 10_000) {
    this.#max = max;
  }

  add(violation: Violation): void {
    if (this.#items.length < this.#max) this.#items.push(violation);
    else this.#dropped++;
  }

  get list(): readonly Violation[] {
    return this.#items;
  }

  get dropped(): number {
    return this.#dropped;
  }

  get count(): number {
    return this.#items.length + this.#dropped;
  }
}
