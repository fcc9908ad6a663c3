import { targetsOfKind, type DetectionOrder } from '../wire/order.ts';
import type { SubjectRef } from '../wire/subject.ts';

/**
 * Where an order stands at an instant: before `notBefore` it is scheduled,
 * from `notBefore` (inclusive) to `notAfter` (exclusive) active, then
 * lapsed; once ended early, it is ended from that instant on, whatever its
 * window says.
 */
export type OrderPhase = 'scheduled' | 'active' | 'lapsed' | 'ended';

/** Why an order does not cover a scan (docs/SAFEGUARDS.md, "Decision order"; docs/API.md, "POST /v1/reports"). */
export type OrderTermsBreach = 'SURFACE_NOT_LISTED' | 'SUBJECT_NOT_TARGETED' | 'ORDER_NOT_YET_VALID' | 'ORDER_LAPSED' | 'ORDER_ENDED';

/**
 * The phase of `order` at `at`. `endedAt` is when the Centre ended it early
 * (null while it has not been): the sidecar never sees it, since an ended
 * order drops off its signed list; the Centre passes it.
 */
export function orderPhaseAt(order: DetectionOrder, at: number, endedAt: number | null = null): OrderPhase {
  if (endedAt !== null && endedAt <= at) return 'ended';
  if (at < order.notBefore) return 'scheduled';
  return at < order.notAfter ? 'active' : 'lapsed';
}

const BREACH_OF_PHASE: Readonly<Record<Exclude<OrderPhase, 'active'>, OrderTermsBreach>> = {
  scheduled: 'ORDER_NOT_YET_VALID',
  lapsed: 'ORDER_LAPSED',
  ended: 'ORDER_ENDED',
};

/**
 * One order's terms, indexed for decisions: does it cover a scan of this
 * subject's content on this surface at this instant? The one owner of that
 * rule: the sidecar's ScanPolicy decides a scan with it before reading the
 * content, and the Centre checks each report's (surface, subject,
 * detectedAt) with it, so the two can never disagree. Surfaces and targets
 * are sets: an order names up to 10,000 subjects.
 */
export class OrderTerms {
  readonly order: DetectionOrder;
  readonly endedAt: number | null;
  readonly #surfaces: ReadonlySet<string>;
  readonly #targets: Readonly<Record<SubjectRef['kind'], ReadonlySet<string>>>;

  constructor(order: DetectionOrder, endedAt: number | null = null) {
    this.order = order;
    this.endedAt = endedAt;
    this.#surfaces = new Set(order.surfaces);
    this.#targets = {
      user: new Set(targetsOfKind(order.targets, 'user')),
      group: new Set(targetsOfKind(order.targets, 'group')),
      channel: new Set(targetsOfKind(order.targets, 'channel')),
    };
  }

  /** True when the order lists `surfaceId` and targets `subject`, whatever the time. */
  names(surfaceId: string, subject: SubjectRef): boolean {
    return this.#surfaces.has(surfaceId) && this.#targets[subject.kind].has(subject.id);
  }

  phaseAt(at: number): OrderPhase {
    return orderPhaseAt(this.order, at, this.endedAt);
  }

  /**
   * Why the order does not cover a scan of `subject` on `surfaceId` at `at`,
   * or undefined when it does. Surface first, then subject, then time: the
   * order in which the sidecar narrows its orders down.
   */
  breachOf(surfaceId: string, subject: SubjectRef, at: number): OrderTermsBreach | undefined {
    if (!this.#surfaces.has(surfaceId)) return 'SURFACE_NOT_LISTED';
    if (!this.#targets[subject.kind].has(subject.id)) return 'SUBJECT_NOT_TARGETED';
    const phase = this.phaseAt(at);
    return phase === 'active' ? undefined : BREACH_OF_PHASE[phase];
  }
}
