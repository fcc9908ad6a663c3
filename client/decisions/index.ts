/**
 * Decisions back to the provider (docs/SIDECAR.md, "Decisions"): the
 * verified list's entries held in the replica, fetched on each sync round,
 * served on the local API and pushed to the platform's webhook.
 */
export { DecisionBook } from './decision-book.ts';
export type { HeldDecision } from './decision-book.ts';
export { DecisionsError } from './errors.ts';
export type { DecisionsCode } from './errors.ts';
export { fetchDecisions } from './fetch-decisions.ts';
export { DecisionWebhook } from './webhook.ts';
export type { DecisionWebhookConfig } from './webhook.ts';
export { WebhookQueue } from './webhook-queue.ts';
