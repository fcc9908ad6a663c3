/**
 * The sidecar's safeguards (docs/SAFEGUARDS.md): configured surfaces, the
 * verified detection orders, and the one decision every scan goes through
 * before its body is read.
 *
 *   const policy = new ScanPolicy({ surfaces: parseSurfaces(config.surfaces), orders: new OrderSet(db, provider) });
 *   await fetchOrders({ baseUrl, token, fetch, store, orders, now });   // each sync round (store: TrustedStore)
 *   const decision = policy.decideScan({ surfaceId, subject, now });                // before reading the body
 */
export { PolicyError } from './errors.ts';
export type { PolicyCode } from './errors.ts';
export { Surfaces, parseSurfaces, MAX_SURFACES } from './surfaces.ts';
export type { Surface } from './surfaces.ts';
export { OrderSet } from './order-set.ts';
export { ScanPolicy, REFUSAL_CODES, DEFAULT_MAX_ORDER_LIST_AGE_MS } from './scan-policy.ts';
export type { RefusalCode, ScanDecision, ScanRequest, ScanPolicyOptions } from './scan-policy.ts';
export { fetchOrders, MAX_ORDER_ENVELOPE_BYTES } from './fetch-orders.ts';
export type { FetchOrdersOptions, OrderUpdate } from './fetch-orders.ts';
export type { FetchLike, FetchInit, FetchResponse } from '../net/http.ts';
