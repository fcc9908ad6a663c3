/**
 * The sidecar's one owner of trusted state (docs/PROTOCOL.md 9.3, 10.3, 12.3):
 * every root, timestamp, checkpoint, delta, snapshot (plaintext or sealed,
 * 13.6), order list, decisions list and access list (13.4) is accepted here
 * or nowhere.
 */
export { TrustedStore } from './trusted-store.ts';
export type { TrustedStoreOptions, Accepted, OrderUpdate, AccessUpdate } from './trusted-store.ts';
export { rootPinOf, pinText } from './root-state.ts';
export { isRevokedSigner } from './rules.ts';
export { isNoAccess } from './sealed-rules.ts';
export type { TreeHead } from './rules.ts';
