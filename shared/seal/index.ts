/**
 * The sealed feed (docs/PROTOCOL.md 13): feed objects encrypted under epoch
 * keys, epoch keys wrapped per provider with HPKE, the signed access list,
 * and encryption key registrations. Models and primitives only: the Centre's
 * epoch and entitlement rules live in server/access/, the sidecar's in its
 * trusted store.
 */
export { SealError } from './errors.ts';
export type { SealCode } from './errors.ts';
export { EPOCH_KEY_BYTES, generateEpochKey, epochKeyCommitment, checkEpochKeyCommitment } from './epoch-key.ts';
export {
  SEALED_DELTA_PAYLOAD_TYPE,
  SEALED_SNAPSHOT_PAYLOAD_TYPE,
  SEALED_PAYLOAD_TYPES,
  sealFeedObject,
  decodeSealedObject,
  openSealedObject,
  checkSealedAgrees,
} from './sealed-object.ts';
export type { SealedKind, SealedHeader, SealedObject } from './sealed-object.ts';
export {
  ENCRYPTION_KEM,
  ENCRYPTION_PUBLIC_KEY_BYTES,
  checkEncryptionPublicKey,
  generateEncryptionKeyPair,
  encryptionPublicKeyOf,
  encryptionKeyId,
  formatEncryptionPrivateKey,
  parseEncryptionPrivateKey,
  wrapEpochKey,
  unwrapEpochKey,
} from './hpke.ts';
export type { EncryptionKeyPair, WrapContext, WrappedEpochKey } from './hpke.ts';
export {
  ACCESS_PAYLOAD_TYPE,
  MAX_ACCESS_KEYS,
  MAX_ACCESS_LIST_BYTES,
  ACCESS_POLICIES,
  ACCESS_DENIAL_REASONS,
  ACCOUNT_BASIS,
  RECIPIENT_KEY_ID_PATTERN,
  encodeAccessList,
  decodeAccessList,
  parseAccessList,
} from './access-list.ts';
export type { AccessPolicy, AccessDenialReason, AccessKey, AccessList } from './access-list.ts';
export { ENCRYPTION_KEY_PAYLOAD_TYPE, MAX_ENCRYPTION_KEY_REGISTRATION_BYTES, encodeEncryptionKeyRegistration, decodeEncryptionKeyRegistration } from './encryption-key-registration.ts';
export type { EncryptionKeyRegistration } from './encryption-key-registration.ts';
