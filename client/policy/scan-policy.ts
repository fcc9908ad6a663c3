import { WireError } from '../../shared/wire/errors.ts';
import type { DetectionOrder } from '../../shared/wire/order.ts';
import { formatSubjectRef, parseSubjectRef, type SubjectRef } from '../../shared/wire/subject.ts';
import { isFromFuture } from '../replica/trusted-state.ts';
import type { OrderSet } from './order-set.ts';
import type { Surface, Surfaces } from './surfaces.ts';

/**
 * Why a scan is refused. Stable: they are returned to the provider's
 * caller and counted in /metrics (docs/SAFEGUARDS.md, "Refusal codes").
 */
export const REFUSAL_CODES = ['SURFACE_UNKNOWN', 'SURFACE_E2EE', 'SUBJECT_INVALID', 'ORDERS_STALE', 'ORDER_NOT_YET_VALID', 'NO_ACTIVE_ORDER'] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface ScanRequest {
  /** The surface the content arrived through, as the caller names it. */
  readonly surfaceId: string;
  /** The subject reference as the caller sent it (`user:<id>`, `group:<id>`, `channel:<id>`); checked here. */
  readonly subject: string;
  /** Milliseconds since the epoch: every decision is made against the clock, so orders lapse without any fetch. */
  readonly now: number;
}

export type ScanDecision =
  | { readonly allowed: true; readonly order: DetectionOrder; readonly surface: Surface; readonly subject: SubjectRef }
  | { readonly allowed: false; readonly code: RefusalCode; readonly message: string };

export interface ScanPolicyOptions {
  readonly surfaces: Surfaces;
  readonly orders: OrderSet;
  /**
   * Refuse every scan (ORDERS_STALE) once the last accepted order list is
   * older than this: an order the Centre ended early must stop being acted
   * on even while the Centre cannot be reached. Default 24 hours.
   */
  readonly maxOrderListAgeMs?: number;
}

export const DEFAULT_MAX_ORDER_LIST_AGE_MS = 24 * 3600 * 1000;

/**
 * The one place a scan is allowed or refused (docs/SAFEGUARDS.md, "Decision
 * order"). It needs only the surface, the subject and the time, never the
 * content: the sidecar calls it before reading a request body, so a refused
 * scan's bytes are never read, decoded, hashed or logged. Refusal messages
 * never repeat the subject (it identifies a person).
 */
export class ScanPolicy {
  /** Refusals by code since start (exposed in /metrics); nothing else about a refused scan is kept. */
  readonly refusals = new Map<RefusalCode, number>(REFUSAL_CODES.map((code) => [code, 0]));
  #allowed = 0;
  readonly #surfaces: Surfaces;
  readonly #orders: OrderSet;
  readonly #maxAge: number;

  constructor(options: ScanPolicyOptions) {
    this.#surfaces = options.surfaces;
    this.#orders = options.orders;
    this.#maxAge = options.maxOrderListAgeMs ?? DEFAULT_MAX_ORDER_LIST_AGE_MS;
  }

  /** Scans allowed since start. */
  get allowedCount(): number {
    return this.#allowed;
  }

  decideScan(request: ScanRequest): ScanDecision {
    const decision = this.#decide(request);
    if (decision.allowed) this.#allowed++;
    else this.refusals.set(decision.code, (this.refusals.get(decision.code) ?? 0) + 1);
    return decision;
  }

  /**
   * Decides an allowed scan again at `now`, after its hashing and matching
   * and before anything is reported (docs/SAFEGUARDS.md, "Decided again
   * before reporting"): reading a slow upload and hashing it take time, and
   * its order may have lapsed or been ended meanwhile. The answer may name
   * another order that is active now. A refusal here is counted by code
   * (the scan was already counted as allowed when it began).
   */
  recheck(decision: Extract<ScanDecision, { allowed: true }>, now: number): ScanDecision {
    const again = this.#decide({ surfaceId: decision.surface.id, subject: formatSubjectRef(decision.subject), now });
    if (!again.allowed) this.refusals.set(again.code, (this.refusals.get(again.code) ?? 0) + 1);
    return again;
  }

  #decide({ surfaceId, subject: rawSubject, now }: ScanRequest): ScanDecision {
    // 1. The surface, first: end-to-end encrypted and unknown surfaces are out of scope whatever any order says.
    const surface = this.#surfaces.get(surfaceId);
    if (surface === undefined) return refuse('SURFACE_UNKNOWN', 'the surface is not configured on this sidecar');
    if (surface.e2ee) return refuse('SURFACE_E2EE', `surface '${surface.id}' is end-to-end encrypted and out of scope`);

    // 2. The subject must be a well-formed reference: an order targets users, groups or channels, never "everyone".
    let subject: SubjectRef;
    try {
      subject = parseSubjectRef(rawSubject, 'subject');
    } catch (cause) {
      if (!(cause instanceof WireError)) throw cause;
      return refuse('SUBJECT_INVALID', 'the subject must be user:<id>, group:<id> or channel:<id> (id: 1 to 128 printable ASCII characters)');
    }

    // 3. Orders the Centre may have ended since are not acted on past the list's age limit.
    const issuedAt = this.#orders.issuedAt;
    if (issuedAt !== undefined && now - issuedAt > this.#maxAge) {
      return refuse('ORDERS_STALE', 'the order list has not been refreshed from the Centre recently enough');
    }
    // A negative age is no freshness (PROTOCOL 10.3): a list issued ahead of this clock cannot show that it is recent.
    if (issuedAt !== undefined && isFromFuture(issuedAt, now, this.#orders.maxClockSkewMs)) {
      return refuse('ORDERS_STALE', "the order list was issued ahead of this sidecar's clock: one of the two clocks is wrong");
    }

    // 4. An order covering this surface and subject, valid now (OrderTerms owns the rule; the Centre checks reports with it).
    const naming = this.#orders.naming(surface.id, subject);
    const active = naming.filter((terms) => terms.phaseAt(now) === 'active').map((terms) => terms.order);
    const chosen = active.sort((a, b) => b.notAfter - a.notAfter || (a.orderId < b.orderId ? -1 : 1))[0];
    if (chosen !== undefined) return { allowed: true, order: chosen, surface, subject };
    if (naming.some((terms) => terms.phaseAt(now) === 'scheduled')) return refuse('ORDER_NOT_YET_VALID', 'the order covering this scan is not valid yet');
    return refuse('NO_ACTIVE_ORDER', 'no active detection order covers this surface and subject');
  }
}

function refuse(code: RefusalCode, message: string): ScanDecision {
  return { allowed: false, code, message };
}
