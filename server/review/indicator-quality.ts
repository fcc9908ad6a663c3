import type { Centre } from '../centre.ts';
import { IndicatorQualityStore } from '../store/indicator-quality.ts';
import type { BundleView } from './review-desk.ts';

/**
 * The indicator quality loop (docs/SAFEGUARDS.md, "The indicator quality
 * loop"): decides when an indicator is suspended. Unfounded decisions for
 * `preview_mismatch` or `indicator_error` count against every indicator the
 * bundle's reports cite; once they come from `suspendAfterProviders`
 * distinct providers, the active indicator's suspension is queued for the
 * next publication. The status changes themselves belong to the registry
 * (server/store/indicators.ts).
 *
 * Runs inside the transaction of the review step that changed the counts
 * (a decision, a reopen, a QA disagreement), with its audit entries, so a
 * crash leaves both the decision and the indicator as they were or both
 * changed. A withdrawn decision (reopen) that takes the count under the
 * threshold lifts a suspension no publication has announced yet; one
 * already published stays until the authority re-confirms or revokes
 * (a published tombstone is not taken back on a second thought).
 */
export class IndicatorQuality {
  readonly #centre: Centre;
  readonly #store: IndicatorQualityStore;

  constructor(centre: Centre) {
    this.#centre = centre;
    this.#store = new IndicatorQualityStore(centre.db);
  }

  /** Re-weighs the indicators the bundle's reports cite after its state changed. */
  reassess(view: BundleView, now: number): void {
    const { indicators, audit, config } = this.#centre;
    const threshold = config.suspendAfterProviders;
    for (const id of this.#store.indicatorsOfBundle(view.bundle.id)) {
      const counts = this.#store.of(id);
      const detail = { providers: counts.providers, reports: counts.reports, byReason: counts.byReason, threshold, bundle: view.bundle.id };
      if (counts.providers >= threshold) {
        if (indicators.suspend(id, now)) audit.record(now, 'centre', 'indicator.suspend', `indicator:${id}`, detail);
      } else if (indicators.liftSuspension(id)) {
        audit.record(now, 'centre', 'indicator.suspend-lift', `indicator:${id}`, detail);
      }
    }
  }
}
