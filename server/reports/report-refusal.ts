import { OrderTerms, type OrderTermsBreach } from '../../shared/policy/order-terms.ts';
import type { Report } from '../../shared/wire/report.ts';
import { parseSubjectRef } from '../../shared/wire/subject.ts';
import type { FeedHistory } from '../store/feed-history.ts';
import type { OrderStore } from '../store/orders.ts';

/**
 * Why a verified, well-formed report is refused (HTTP 400, docs/API.md,
 * "POST /v1/reports"). Stable: sidecars drop a report refused with any of
 * them (not retried), and the Centre counts them per provider.
 */
export const REPORT_REFUSAL_CODES = [
  'REPORT_WRONG_PROVIDER',
  'REPORT_TIME_INVALID',
  'REPORT_UNKNOWN_ORDER',
  'REPORT_SURFACE_NOT_LISTED',
  'REPORT_SUBJECT_NOT_TARGETED',
  'REPORT_ORDER_NOT_YET_VALID',
  'REPORT_ORDER_LAPSED',
  'REPORT_ORDER_ENDED',
  'REPORT_UNKNOWN_INDICATOR',
  'REPORT_INDICATOR_REVOKED',
] as const;
export type ReportRefusalCode = (typeof REPORT_REFUSAL_CODES)[number];

export interface ReportRefusal {
  readonly code: ReportRefusalCode;
  readonly message: string;
}

export interface ReportCheckContext {
  /** The calling provider's account name. */
  readonly provider: string;
  /** The Centre's clock when the report arrived (ms). */
  readonly receivedAt: number;
  /** How far `detectedAt` may run ahead of `receivedAt` (sidecar clocks drift). */
  readonly clockSkewMs: number;
  /** How long before `receivedAt` a report may have been detected. */
  readonly maxAgeMs: number;
  readonly orders: Pick<OrderStore, 'get'>;
  readonly history: Pick<FeedHistory, 'indicator'>;
}

const BREACH_CODES: Readonly<Record<OrderTermsBreach, ReportRefusalCode>> = {
  SURFACE_NOT_LISTED: 'REPORT_SURFACE_NOT_LISTED',
  SUBJECT_NOT_TARGETED: 'REPORT_SUBJECT_NOT_TARGETED',
  ORDER_NOT_YET_VALID: 'REPORT_ORDER_NOT_YET_VALID',
  ORDER_LAPSED: 'REPORT_ORDER_LAPSED',
  ORDER_ENDED: 'REPORT_ORDER_ENDED',
};

const BREACH_MESSAGES: Readonly<Record<OrderTermsBreach, string>> = {
  SURFACE_NOT_LISTED: 'the order does not list report.surface',
  SUBJECT_NOT_TARGETED: 'the order does not target report.subject',
  ORDER_NOT_YET_VALID: 'report.detectedAt is before the order took effect (notBefore)',
  ORDER_LAPSED: 'report.detectedAt is at or after the order lapsed (notAfter)',
  ORDER_ENDED: 'report.detectedAt is at or after the order was ended',
};

/**
 * Whether a report agrees with what the Centre knows, at the instant the
 * sidecar says it matched (`detectedAt`); undefined when it does. The
 * signature only proves which sidecar sent it: a modified sidecar signs
 * whatever it likes, so the Centre re-checks the terms the sidecar's
 * ScanPolicy applied (shared/policy/order-terms.ts, the same rule), in this
 * order:
 *  1. the report names the calling provider;
 *  2. detectedAt lies in [receivedAt - maxAge, receivedAt + skew];
 *  3. the order exists and is this provider's;
 *  4. the order lists the surface, targets the subject and was in force
 *     at detectedAt (not before notBefore, not from notAfter, not from
 *     when it was ended);
 *  5. every indicator exists for report.algorithm, had been published by
 *     detectedAt (within the skew: the sidecar can only have matched what
 *     was published), and its removal had not been published by then
 *     (unless it was published again within the skew after it). A
 *     sidecar that matched in the minute after a revocation, before its
 *     next sync, is refused too: a revoked indicator is one the Centre no
 *     longer stands behind (docs/SAFEGUARDS.md, "Delivery").
 * Messages name fields, never the subject.
 */
export function refusalOf(report: Report, context: ReportCheckContext): ReportRefusal | undefined {
  if (report.provider !== context.provider) return { code: 'REPORT_WRONG_PROVIDER', message: 'report.provider is not the calling provider' };

  const { detectedAt } = report;
  if (detectedAt > context.receivedAt + context.clockSkewMs || detectedAt < context.receivedAt - context.maxAgeMs) {
    return {
      code: 'REPORT_TIME_INVALID',
      message: `report.detectedAt must lie between ${context.maxAgeMs / 86_400_000} days before and ${context.clockSkewMs / 1000} s after the Centre's receive time`,
    };
  }

  const stored = context.orders.get(report.orderId);
  if (stored === undefined || stored.order.provider !== context.provider) return { code: 'REPORT_UNKNOWN_ORDER', message: 'report.orderId names no order of this provider' };

  const breach = new OrderTerms(stored.order, stored.endedAt).breachOf(report.surface, parseSubjectRef(report.subject, 'report.subject'), detectedAt);
  if (breach !== undefined) return { code: BREACH_CODES[breach], message: BREACH_MESSAGES[breach] };

  for (const id of report.indicatorIds) {
    const history = context.history.indicator(id);
    if (history === undefined || history.algorithm !== report.algorithm) {
      return { code: 'REPORT_UNKNOWN_INDICATOR', message: `indicator ${id} is not a ${report.algorithm} indicator` };
    }
    if (!history.changes.some((c) => c.op === 'add' && c.publishedAt <= detectedAt + context.clockSkewMs)) {
      return { code: 'REPORT_UNKNOWN_INDICATOR', message: `indicator ${id} had not been published when report.detectedAt says the match happened` };
    }
    const standing = history.changes.filter((c) => c.publishedAt <= detectedAt).at(-1);
    // Published again within the skew after detectedAt: the same benefit of the doubt as a first publication.
    const addedAgain = history.changes.some((c) => c.op === 'add' && c.publishedAt > detectedAt && c.publishedAt <= detectedAt + context.clockSkewMs);
    if (standing?.op === 'remove' && !addedAgain) {
      return { code: 'REPORT_INDICATOR_REVOKED', message: `indicator ${id} had been revoked (version ${standing.version}) before report.detectedAt` };
    }
  }
  return undefined;
}
