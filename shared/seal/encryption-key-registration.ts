import { decodeMsgpack, encodeMsgpack } from '../wire/codec.ts';
import { WireError } from '../wire/errors.ts';
import { bytes, exactRecord, str, timestampMs } from '../wire/guards.ts';
import { PROVIDER_NAME_PATTERN } from '../wire/order.ts';
import { ENCRYPTION_KEM, ENCRYPTION_PUBLIC_KEY_BYTES } from './hpke.ts';

/**
 * A sidecar's encryption key registration (docs/PROTOCOL.md 13.5): its X25519
 * public key, signed by one of the provider's report keys. The Centre wraps
 * epoch keys for it only while that report key is approved, so a stolen
 * provider token alone cannot bring in a key that reads the feed.
 */
export const ENCRYPTION_KEY_PAYLOAD_TYPE = 'hashfeed/encryption-key/v1';
export const MAX_ENCRYPTION_KEY_REGISTRATION_BYTES = 4096;

export interface EncryptionKeyRegistration {
  readonly provider: string;
  readonly kem: typeof ENCRYPTION_KEM;
  readonly publicKey: Uint8Array;
  readonly createdAt: number;
}

export function encodeEncryptionKeyRegistration(registration: EncryptionKeyRegistration): Uint8Array {
  return encodeMsgpack({ provider: registration.provider, kem: registration.kem, publicKey: registration.publicKey, createdAt: registration.createdAt });
}

export function decodeEncryptionKeyRegistration(payload: Uint8Array): EncryptionKeyRegistration {
  const r = exactRecord(decodeMsgpack(payload, MAX_ENCRYPTION_KEY_REGISTRATION_BYTES), 'encryption key', ['provider', 'kem', 'publicKey', 'createdAt']);
  if (r['kem'] !== ENCRYPTION_KEM) throw new WireError('WIRE_BAD_FIELD', `encryption key.kem must be ${ENCRYPTION_KEM}`);
  return {
    provider: str(r['provider'], 'encryption key.provider', 64, PROVIDER_NAME_PATTERN),
    kem: ENCRYPTION_KEM,
    publicKey: bytes(r['publicKey'], 'encryption key.publicKey', ENCRYPTION_PUBLIC_KEY_BYTES),
    createdAt: timestampMs(r['createdAt'], 'encryption key.createdAt'),
  };
}
