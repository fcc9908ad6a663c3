import type { Centre } from '../centre.ts';
import { StoreError } from '../store/errors.ts';
import { ReviewBundleStore, type StoredBundle } from '../store/review-bundles.ts';
import type { Report } from '../../shared/wire/report.ts';
import { transition, type Decision, type ReviewEvent, type UnfoundedReason } from './report-lifecycle.ts';

/** A decision as a reviewer sends it, already validated (server/routes/review.ts, server/console/pages/review.ts). */
export interface DecisionInput {
  readonly decision: Decision;
  readonly reason: UnfoundedReason | null;
  readonly comment: string | null;
}

/** A bundle and its reports, as the desk hands it back after a step. */
export interface BundleView {
  readonly bundle: StoredBundle;
  readonly reportIds: readonly string[];
}

/** What happens once a decision stands (routing and the signed forwarding records: server/review/forwarding.ts). */
export type OnDecided = (view: BundleView, now: number) => void;

export interface ReviewDeskDeps {
  readonly centre: Centre;
  /** Uniform in [0, 1): draws the QA sample; injected so that tests decide. */
  readonly random: () => number;
  readonly onDecided?: OnDecided;
  /** What happens once a standing decision is withdrawn (a reopen, a QA disagreement): the quality loop re-counts. */
  readonly onWithdrawn?: OnDecided;
}

/**
 * Applies the lifecycle (report-lifecycle.ts) to the database: every step
 * is one immediate transaction that reads the bundle, asks the lifecycle
 * for the next state, writes it and audits it, so a crash leaves each
 * report in exactly the state before or after, and two reviewers racing
 * for `next` are served one after the other (SQLite has one writer).
 */
export class ReviewDesk {
  readonly #centre: Centre;
  readonly #bundles: ReviewBundleStore;
  readonly #random: () => number;
  readonly #onDecided: OnDecided;
  readonly #onWithdrawn: OnDecided;

  constructor(deps: ReviewDeskDeps) {
    this.#centre = deps.centre;
    this.#bundles = new ReviewBundleStore(deps.centre.db);
    this.#random = deps.random;
    this.#onDecided = deps.onDecided ?? (() => undefined);
    this.#onWithdrawn = deps.onWithdrawn ?? (() => undefined);
  }

  get #leaseMs(): number {
    return this.#centre.config.reviewLeaseMinutes * 60_000;
  }

  /**
   * Queues a newly stored report (call inside the transaction that stores
   * it): it joins the queued (unclaimed) bundle of the same provider and subject that
   * shares an indicator and was opened within bundleWindowHours, or opens
   * one. It is urgent when an indicator it cites is of an urgent category.
   */
  receive(report: Report, providerId: number, now: number): number {
    const { config, indicators, audit } = this.#centre;
    const urgent = report.indicatorIds.some((id) => {
      const category = indicators.get(id)?.category;
      return category !== undefined && config.urgentCategories.includes(category);
    });
    const since = now - config.bundleWindowHours * 3_600_000;
    const joined = this.#bundles.joinable(providerId, report.subject, report.indicatorIds, since);
    const bundleId = joined ?? this.#bundles.open(providerId, report.subject, urgent, now);
    this.#bundles.addReport(bundleId, report.reportId, report.indicatorIds, urgent);
    audit.record(now, report.provider, 'review.queue', `report:${report.reportId}`, { bundle: bundleId, joined: joined !== undefined, urgent });
    return bundleId;
  }

  /**
   * Claims the next bundle for `reviewer`: lapsed leases return to the
   * queue first (audited), then urgent before the rest, oldest first. A
   * reviewer works on one bundle at a time: while their lease is live,
   * `next` answers the bundle they hold (a reloaded page claims nothing more).
   */
  next(reviewer: string, now: number): BundleView | undefined {
    return this.#centre.write(() => {
      const held = this.#bundles.heldBy(reviewer, now);
      if (held !== undefined) return { bundle: held, reportIds: this.#bundles.reportIds(held.id) };
      this.#expireLapsed(now);
      const queued = this.#bundles.nextQueued(now);
      if (queued === undefined) return undefined;
      return this.#step(queued, { kind: 'claim', reviewer, now, leaseMs: this.#leaseMs }, reviewer, 'review.claim', { leaseUntil: now + this.#leaseMs });
    });
  }

  decide(reportId: string, reviewer: string, input: DecisionInput, now: number): BundleView {
    return this.#centre.write(() => {
      const bundle = this.#bundleOf(reportId);
      const unsampled: ReviewEvent = { kind: 'decide', reviewer, now, decision: input.decision, qaSampled: false };
      transition(bundle, unsampled); // a refused decision draws nothing, so an injected sequence stays in step
      const qaSampled = this.#random() < this.#centre.config.qaSampleRate;
      const next = transition(bundle, { ...unsampled, qaSampled });
      this.#bundles.save(bundle.id, next, { ...input, decidedAt: now });
      const view = { bundle: this.#reload(bundle.id), reportIds: this.#bundles.reportIds(bundle.id) };
      this.#centre.audit.record(now, reviewer, 'review.decide', `bundle:${bundle.id}`, {
        reports: view.reportIds,
        decision: input.decision,
        ...(input.reason === null ? {} : { reason: input.reason }),
        ...(input.comment === null ? {} : { comment: input.comment }),
        qaSampled,
      });
      this.#onDecided(view, now);
      return view;
    });
  }

  /** Reopens a final decision: only a reviewer other than the one who decided, with a sentence saying why. */
  reopen(reportId: string, reviewer: string, comment: string, now: number): BundleView {
    return this.#centre.write(() => {
      const bundle = this.#bundleOf(reportId);
      const view = this.#step(bundle, { kind: 'reopen', reviewer, now, purged: this.#bundles.anyPurged(bundle.id) }, reviewer, 'review.reopen', { previous: bundle.state, decidedBy: bundle.decidedBy, comment });
      this.#onWithdrawn(view, now);
      return view;
    });
  }

  /**
   * Claims the next decision queued for a QA check, never one the caller
   * decided. As with `next`, a reviewer holds one check at a time: while its
   * lease is live, this answers the check they hold.
   */
  qaNext(reviewer: string, now: number): BundleView | undefined {
    return this.#centre.write(() => {
      const held = this.#bundles.qaHeldBy(reviewer, now);
      if (held !== undefined) return { bundle: held, reportIds: this.#bundles.reportIds(held.id) };
      const queued = this.#bundles.nextQa(reviewer, now);
      if (queued === undefined) return undefined;
      return this.#step(queued, { kind: 'qa-claim', reviewer, now, leaseMs: this.#leaseMs }, reviewer, 'review.qa-claim', { leaseUntil: now + this.#leaseMs });
    });
  }

  /** The second reviewer's verdict: agreement keeps the decision, disagreement reopens the report. */
  qaCheck(reportId: string, reviewer: string, verdict: 'agree' | 'disagree', comment: string | null, now: number): BundleView {
    return this.#centre.write(() => {
      const bundle = this.#bundleOf(reportId);
      const view = this.#step(bundle, { kind: 'qa-check', reviewer, now, verdict }, reviewer, 'review.qa-check', {
        verdict,
        decision: bundle.state,
        decidedBy: bundle.decidedBy,
        ...(comment === null ? {} : { comment }),
      });
      if (verdict === 'disagree') this.#onWithdrawn(view, now);
      return view;
    });
  }

  /**
   * What `reviewer` holds now, claiming nothing: the bundle under their live
   * lease and the QA check under their live QA lease (either may be absent).
   */
  held(reviewer: string, now: number): { readonly review: BundleView | undefined; readonly qa: BundleView | undefined } {
    const review = this.#bundles.heldBy(reviewer, now);
    const qa = this.#bundles.qaHeldBy(reviewer, now);
    return {
      review: review === undefined ? undefined : { bundle: review, reportIds: this.#bundles.reportIds(review.id) },
      qa: qa === undefined ? undefined : { bundle: qa, reportIds: this.#bundles.reportIds(qa.id) },
    };
  }

  /** The bundle a report is in (undefined for an unknown report). */
  bundleOf(reportId: string): BundleView | undefined {
    const bundle = this.#bundles.ofReport(reportId);
    return bundle === undefined ? undefined : { bundle, reportIds: this.#bundles.reportIds(bundle.id) };
  }

  #expireLapsed(now: number): void {
    for (const bundle of this.#bundles.lapsed(now)) {
      this.#step(bundle, { kind: 'expire', now }, 'centre', 'review.lease-expire', { claimedBy: bundle.claimedBy, leaseUntil: bundle.leaseUntil });
    }
  }

  #step(bundle: StoredBundle, event: ReviewEvent, actor: string, action: string, detail: Record<string, unknown>): BundleView {
    this.#bundles.save(bundle.id, transition(bundle, event));
    const reportIds = this.#bundles.reportIds(bundle.id);
    this.#centre.audit.record(event.now, actor, action, `bundle:${bundle.id}`, { reports: reportIds, ...detail });
    return { bundle: this.#reload(bundle.id), reportIds };
  }

  #bundleOf(reportId: string): StoredBundle {
    const bundle = this.#bundles.ofReport(reportId);
    if (bundle === undefined) throw new StoreError('STORE_NOT_FOUND', `report ${reportId} does not exist`);
    return bundle;
  }

  #reload(id: number): StoredBundle {
    const bundle = this.#bundles.byId(id);
    if (bundle === undefined) throw new Error(`unreachable: bundle ${id} vanished inside its transaction`);
    return bundle;
  }
}
