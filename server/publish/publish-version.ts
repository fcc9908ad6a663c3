import type { Centre } from '../centre.ts';
import type { PublishResult } from './publisher.ts';

/**
 * Publishes version N+1 as an operator asks (POST /v1/publish, the
 * console's Publish page). A publication that starts an epoch has its key
 * wrapped for every entitled provider in the background: publishing never
 * waits for it. `expectedPlan`: the digest of the dry run the operator
 * confirmed (PUBLISH_PLAN_CHANGED when it no longer holds).
 */
export function publishVersion(centre: Centre, actor: string, now: number, options: { readonly expectedPlan?: string } = {}): PublishResult {
  const result = centre.publisher.publish(actor, now, options);
  if (result.epochBegan !== null) void centre.wraps.wrapInBackground(result.epoch, now);
  return result;
}
