import type { Centre } from '../centre.ts';
import { ProviderDecisionStore } from '../store/provider-decisions.ts';
import type { BundleView } from './review-desk.ts';

/**
 * What a provider hears back about its reports (docs/PROTOCOL.md 12): the
 * one place that writes its decisions feed, inside the transaction of the
 * step that changed a report's state. Every entry carries the report's
 * whole state, so the newest one per report is all a sidecar needs:
 *
 * - a standing decision (forwarded, or unfounded with its reason code; the
 *   reviewer's comment stays at the Centre) appends one entry per report of
 *   the bundle, with the latest hold if a recipient asked for one;
 * - a hold appends an entry repeating the report's last decision with the
 *   hold's `until` (the furthest any recipient asked).
 *
 * A reopen appends nothing: the decision the provider holds stands until
 * the next one replaces it. A hold outlives a later unfounded decision: a
 * recipient's request to preserve is not the Centre's to lift, and
 * preserving longer is the safe side.
 */
export class ProviderDecisions {
  readonly #store: ProviderDecisionStore;

  constructor(centre: Centre) {
    this.#store = new ProviderDecisionStore(centre.db);
  }

  decided(view: BundleView, now: number): void {
    const { bundle } = view;
    if (bundle.state !== 'forwarded' && bundle.state !== 'unfounded') return;
    for (const reportId of view.reportIds) {
      this.#store.append(
        bundle.providerId,
        { reportId, decision: bundle.state, reason: bundle.state === 'unfounded' ? (bundle.reason ?? 'other') : null, holdUntil: this.#store.latestHoldUntil(reportId) },
        now,
      );
    }
  }

  /** After a hold was stored for the report (same transaction). */
  held(reportId: string, now: number): void {
    const last = this.#store.latest(reportId);
    const providerId = this.#store.providerOf(reportId);
    // A hold is only accepted on a report in a recipient's inbox, which a decision put there.
    if (last === undefined || providerId === undefined) return;
    const holdUntil = this.#store.latestHoldUntil(reportId);
    if (holdUntil === last.holdUntil) return;
    this.#store.append(providerId, { reportId, decision: last.decision, reason: last.reason, holdUntil }, now);
  }
}
