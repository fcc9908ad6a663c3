/**
 * Reports of matches (docs/SAFEGUARDS.md): a blurhash preview instead of the
 * content, a report signed with the provider's key, a durable queue in the
 * replica database, and a deliverer that retries until the Centre
 * acknowledges.
 *
 *   const key = loadOrCreateProviderKey(keyPath);                          // startup
 *   await registerProviderKey({ baseUrl, token, fetch, key });             // startup (idempotent; pending until an operator approves)
 *   const queue = new ReportQueue(db);
 *   const deliverer = new ReportDeliverer({ queue, baseUrl, token, fetch, onUnknownKey: () => registerProviderKey(...).then(() => {}) });
 *   void deliverer.run(signal);                                            // background
 *   const reporter = new Reporter({ provider, key, queue, onQueued: () => deliverer.wake() });
 *   await reporter.report({ order: decision.order, surfaceId, subject, match, content, replicaVersion, stale, detectedAt });
 */
export { ReportingError } from './errors.ts';
export type { ReportingCode } from './errors.ts';
export { computePreview, computePreviewOfPixels, PREVIEW_COMPONENTS_LONG, PREVIEW_COMPONENTS_SHORT, PREVIEW_THUMBNAIL_SIDE, PREVIEW_MAX_PIXELS } from './preview.ts';
export type { PreviewOptions } from './preview.ts';
export { buildReport, signReport } from './build.ts';
export type { MatchFacts, ReportInput } from './build.ts';
export { matchFactsOf } from './match-facts.ts';
export type { ScanMatch } from './match-facts.ts';
export { sidecarVersion } from './version.ts';
export { ReportQueue } from './queue.ts';
export type { QueuedReport, QueueCounts, QueueEntry, QueueState } from './queue.ts';
export { ReportDeliverer, DEFAULT_DELIVERY_BACKOFF } from './deliverer.ts';
export type { DeliveryBackoff, DeliveryEvent, DeliveryOutcome, DeliveryRound, ReportDelivererOptions } from './deliverer.ts';
export { loadOrCreateProviderKey, registerProviderKey, DEFAULT_PROVIDER_KEY_NAME } from './provider-key.ts';
export type { ProviderKeyStatus, RegisterProviderKeyOptions } from './provider-key.ts';
export { Reporter } from './reporter.ts';
export type { MatchReport, ReporterOptions } from './reporter.ts';
