import type { Centre } from '../centre.ts';
import { Forwarder } from './forwarding.ts';
import { IndicatorQuality } from './indicator-quality.ts';
import { ProviderDecisions } from './provider-decisions.ts';
import { ReviewDesk } from './review-desk.ts';

/**
 * The review desk as people work it, through the API (server/routes/review.ts)
 * or the console (server/console/pages/review): a decision and what follows
 * from it (signed forwarding records and inbox items, the provider's
 * decisions feed, the cited indicators' quality count, which may suspend
 * one) commit together or not at all; a withdrawn decision is re-counted.
 * One composition, so both doors have exactly the same effects.
 */
export function createReviewDesk(deps: { readonly centre: Centre; readonly random: () => number }): ReviewDesk {
  const { centre, random } = deps;
  const forwarder = new Forwarder(centre);
  const quality = new IndicatorQuality(centre);
  const providerDecisions = new ProviderDecisions(centre);
  return new ReviewDesk({
    centre,
    random,
    onDecided: (view, now) => {
      forwarder.forward(view, now);
      quality.reassess(view, now);
      providerDecisions.decided(view, now);
    },
    onWithdrawn: (view, now) => quality.reassess(view, now),
  });
}
