import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Ed25519 (RFC 8032) over node:crypto, on raw 32-byte seeds and public keys.
 * node:crypto takes keys as DER, so raw keys are wrapped in the fixed
 * PKCS #8 / SPKI prefixes for the Ed25519 OID (RFC 8410).
 */

export const ED25519_SEED_BYTES = 32;
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function randomSeed(): Uint8Array {
  return new Uint8Array(randomBytes(ED25519_SEED_BYTES));
}

/** The private KeyObject for a seed; the temporary DER copy is wiped. */
export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.byteLength !== ED25519_SEED_BYTES) throw new RangeError('an Ed25519 seed is 32 bytes');
  const der = Buffer.concat([PKCS8_PREFIX, seed]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  if (publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) throw new RangeError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

/** The raw 32-byte public key of a private KeyObject. */
export function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
}

/** The raw 32-byte seed of a private KeyObject (only for writing it out as a signer key). */
export function rawSeed(privateKey: KeyObject): Uint8Array {
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const seed = new Uint8Array(pkcs8.subarray(PKCS8_PREFIX.length));
  pkcs8.fill(0);
  return seed;
}

export function signEd25519(privateKey: KeyObject, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKey));
}

/** False (never an exception) for a signature of the wrong length or that does not verify. */
export function verifyEd25519(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES) return false;
  return verify(null, message, publicKey, signature);
}
