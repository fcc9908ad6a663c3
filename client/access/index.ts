/**
 * The sidecar's side of the sealed feed (docs/PROTOCOL.md 13): its
 * encryption key and its registration, and the ring of epoch keys the
 * trusted store admits from access lists (fetched by client/sync/fetch-access.ts).
 */
export { AccessError } from './errors.ts';
export type { AccessCode } from './errors.ts';
export { AccessRing } from './access-ring.ts';
export type { AccessRingOptions, NoAccessReason } from './access-ring.ts';
export { loadOrCreateEncryptionKey } from './encryption-key.ts';
export { registerEncryptionKey } from './register-encryption-key.ts';
export type { EncryptionKeyStatus, RegisterEncryptionKeyOptions } from './register-encryption-key.ts';
