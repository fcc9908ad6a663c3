import { createHash, webcrypto } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { decodeBase64, encodeBase64 } from '../crypto/index.ts';
import { SealError } from './errors.ts';
import { EPOCH_KEY_BYTES } from './epoch-key.ts';

/**
 * Epoch keys travel to providers wrapped with HPKE (RFC 9180), base mode,
 * DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM (suite ids 0x0020,
 * 0x0001, 0x0002): docs/PROTOCOL.md 13.3. The `kem` name below is what an
 * access list and a key registration say, so that another suite (a hybrid
 * post-quantum KEM) can be added beside this one without ambiguity.
 */
export const ENCRYPTION_KEM = 'x25519-hkdf-sha256';
export const ENCRYPTION_PUBLIC_KEY_BYTES = 32;
const PRIVATE_KEY_PREFIX = 'hashfeed-seal-key-v1:';

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

export interface EncryptionKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

export async function generateEncryptionKeyPair(): Promise<EncryptionKeyPair> {
  const pair = await suite.kem.generateKeyPair();
  return {
    publicKey: new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey)),
    privateKey: new Uint8Array(await suite.kem.serializePrivateKey(pair.privateKey)),
  };
}

/** The public half of a private key (X25519 base-point multiplication, through HPKE's own key derivation checks). */
export async function encryptionPublicKeyOf(privateKey: Uint8Array): Promise<Uint8Array> {
  const key = await importPrivateKey(privateKey);
  const jwk = await webcrypto.subtle.exportKey('jwk', key);
  if (typeof jwk.x !== 'string') throw new SealError('SEAL_KEY_MALFORMED', 'the private key has no public half');
  return new Uint8Array(Buffer.from(jwk.x, 'base64url'));
}

/** A recipient's key ID: the first 8 bytes of SHA-256("hashfeed-seal-recipient-v1\n" || public key), 16 hex digits. */
export function encryptionKeyId(publicKey: Uint8Array): string {
  checkPublicKey(publicKey);
  return createHash('sha256').update('hashfeed-seal-recipient-v1\n', 'utf8').update(publicKey).digest('hex').slice(0, 16);
}

/** The private key file's text: `hashfeed-seal-key-v1:` and the 32 bytes in base64 (written 0600 like any key file, 2.5). */
export function formatEncryptionPrivateKey(privateKey: Uint8Array): string {
  return `${PRIVATE_KEY_PREFIX}${encodeBase64(privateKey)}`;
}

export function parseEncryptionPrivateKey(text: string): Uint8Array {
  const trimmed = text.trim();
  if (!trimmed.startsWith(PRIVATE_KEY_PREFIX)) throw new SealError('SEAL_KEY_MALFORMED', `an encryption key string starts with ${PRIVATE_KEY_PREFIX}`);
  const key = decodeBase64(trimmed.slice(PRIVATE_KEY_PREFIX.length));
  if (key === null) throw new SealError('SEAL_KEY_MALFORMED', 'the encryption key is not canonical base64');
  if (key.byteLength !== 32) throw new SealError('SEAL_KEY_MALFORMED', 'an X25519 private key is 32 bytes');
  return key;
}

/** What a wrap is bound to (13.3): HPKE `info`, so a wrap opens only for this feed, provider, recipient key and epoch. */
export interface WrapContext {
  readonly feed: string;
  readonly provider: string;
  readonly recipient: string;
  readonly epoch: number;
}

function wrapInfo(context: WrapContext): Uint8Array {
  return new TextEncoder().encode(`hashfeed-epoch-key-v1\n${context.feed}\n${context.provider}\n${context.recipient}\n${context.epoch}`);
}

export interface WrappedEpochKey {
  /** HPKE's encapsulated key (32 bytes). */
  readonly enc: Uint8Array;
  /** The sealed epoch key (32 bytes and a 16-byte tag). */
  readonly wrapped: Uint8Array;
}

/**
 * SEAL_KEY_MALFORMED unless HPKE can encapsulate to `publicKey`: a point of
 * small order (RFC 7748 6.1; RFC 9180 7.1.4) gives no shared secret, so
 * every wrap for it would fail. Checked once, when a key is registered.
 */
export async function checkEncryptionPublicKey(publicKey: Uint8Array): Promise<void> {
  checkPublicKey(publicKey);
  try {
    await suite.seal({ recipientPublicKey: await suite.kem.deserializePublicKey(publicKey) }, new Uint8Array(0));
  } catch (cause) {
    throw new SealError('SEAL_KEY_MALFORMED', 'not a usable X25519 public key (a point of small order?)', { cause });
  }
}

/** Wraps `epochKey` for the holder of `recipientPublicKey` (HPKE SealBase, empty aad). */
export async function wrapEpochKey(recipientPublicKey: Uint8Array, context: WrapContext, epochKey: Uint8Array): Promise<WrappedEpochKey> {
  checkPublicKey(recipientPublicKey);
  if (epochKey.byteLength !== EPOCH_KEY_BYTES) throw new SealError('SEAL_KEY_MALFORMED', `an epoch key is ${EPOCH_KEY_BYTES} bytes`);
  const recipient = await suite.kem.deserializePublicKey(recipientPublicKey);
  const sealed = await suite.seal({ recipientPublicKey: recipient, info: wrapInfo(context) }, epochKey);
  return { enc: new Uint8Array(sealed.enc), wrapped: new Uint8Array(sealed.ct) };
}

/** Opens a wrap with the recipient's private key (HPKE OpenBase): SEAL_UNWRAP_FAILED when it was not made for this context and key. */
export async function unwrapEpochKey(privateKey: Uint8Array, context: WrapContext, wrap: WrappedEpochKey): Promise<Uint8Array> {
  const recipientKey = await importPrivateKey(privateKey);
  let opened: ArrayBuffer;
  try {
    opened = await suite.open({ recipientKey, enc: wrap.enc, info: wrapInfo(context) }, wrap.wrapped);
  } catch (cause) {
    throw new SealError('SEAL_UNWRAP_FAILED', `the wrapped key of epoch ${context.epoch} does not open with this provider's encryption key`, { cause });
  }
  const key = new Uint8Array(opened);
  if (key.byteLength !== EPOCH_KEY_BYTES) throw new SealError('SEAL_UNWRAP_FAILED', `the wrapped key of epoch ${context.epoch} is not ${EPOCH_KEY_BYTES} bytes`);
  return key;
}

async function importPrivateKey(privateKey: Uint8Array): Promise<webcrypto.CryptoKey> {
  if (privateKey.byteLength !== 32) throw new SealError('SEAL_KEY_MALFORMED', 'an X25519 private key is 32 bytes');
  try {
    return await suite.kem.deserializePrivateKey(privateKey);
  } catch (cause) {
    throw new SealError('SEAL_KEY_MALFORMED', 'not a usable X25519 private key', { cause });
  }
}

function checkPublicKey(publicKey: Uint8Array): void {
  if (publicKey.byteLength !== ENCRYPTION_PUBLIC_KEY_BYTES) throw new SealError('SEAL_KEY_MALFORMED', `an X25519 public key is ${ENCRYPTION_PUBLIC_KEY_BYTES} bytes`);
}
