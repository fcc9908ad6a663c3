import type { KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { bytesEqual, concatBytes, decodeBase64, encodeBase64 } from './bytes.ts';
import { ED25519_SEED_BYTES, privateKeyFromSeed, randomSeed, rawPublicKey, rawSeed, signEd25519 } from './ed25519.ts';
import { CryptoError } from './errors.ts';
import { isSignatureType, keyNameProblem, SIGNATURE_TYPE_ED25519, type SignatureType } from './key-id.ts';
import { VerifierKey } from './verifier-key.ts';

const SIGNER_KEY_PREFIX = 'PRIVATE+KEY+';
const MAX_SIGNER_KEY_LENGTH = 1024;

/**
 * An Ed25519 private key with its C2SP name. The seed lives only inside a
 * node:crypto KeyObject: printing, logging or JSON-encoding a SigningKey
 * shows its public half, and the only way out for the seed is
 * `exportSignerKey()`, which key files use.
 */
export class SigningKey {
  readonly name: string;
  readonly signatureType: SignatureType;
  /** The public half, as verifiers are configured with it. */
  readonly verifier: VerifierKey;
  readonly #privateKey: KeyObject;

  private constructor(name: string, privateKey: KeyObject, signatureType: SignatureType) {
    this.name = name;
    this.signatureType = signatureType;
    this.#privateKey = privateKey;
    this.verifier = new VerifierKey(name, rawPublicKey(privateKey), signatureType);
  }

  /** Throws KEY_NAME_INVALID for a bad name, KEY_MALFORMED for a seed that is not 32 bytes. */
  static fromSeed(name: string, seed: Uint8Array, signatureType: SignatureType = SIGNATURE_TYPE_ED25519): SigningKey {
    const problem = keyNameProblem(name);
    if (problem !== null) throw new CryptoError('KEY_NAME_INVALID', `invalid key name: ${problem}`);
    if (seed.byteLength !== ED25519_SEED_BYTES) throw new CryptoError('KEY_MALFORMED', `an Ed25519 seed is ${ED25519_SEED_BYTES} bytes`);
    return new SigningKey(name, privateKeyFromSeed(seed), signatureType);
  }

  /** The key ID as 8 lower-case hex digits. */
  get keyIdHex(): string {
    return this.verifier.keyIdHex;
  }

  /** A plain Ed25519 signature over exactly `message`. */
  sign(message: Uint8Array): Uint8Array {
    return signEd25519(this.#privateKey, message);
  }

  /**
   * The C2SP signer key string `PRIVATE+KEY+<name>+<key id>+<base64(type || seed)>`.
   * This is the secret: write it only to a 0600 file (writePrivateKeyFile).
   */
  exportSignerKey(): string {
    const seed = rawSeed(this.#privateKey);
    const keyBytes = concatBytes(new Uint8Array([this.signatureType]), seed);
    seed.fill(0);
    const text = `${SIGNER_KEY_PREFIX}${this.name}+${this.keyIdHex}+${encodeBase64(keyBytes)}`;
    keyBytes.fill(0);
    return text;
  }

  toJSON(): { name: string; verifierKey: string } {
    return { name: this.name, verifierKey: this.verifier.text };
  }

  toString(): string {
    return `SigningKey(${this.verifier.text})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export interface GenerateSigningKeyOptions {
  /** Ed25519 (0x01, default) or a witness cosignature key (0x04). */
  readonly signatureType?: SignatureType;
}

/** A fresh random key. Throws KEY_NAME_INVALID for a name that breaks the C2SP rules. */
export function generateSigningKey(name: string, options: GenerateSigningKeyOptions = {}): SigningKey {
  const seed = randomSeed();
  try {
    return SigningKey.fromSeed(name, seed, options.signatureType);
  } finally {
    seed.fill(0);
  }
}

/**
 * Parses a C2SP signer key string. Checks as parseVerifierKey does, and that
 * the stated key ID is the one the seed's public key produces. Errors
 * (KEY_MALFORMED) describe the problem and never repeat the input.
 */
export function parseSignerKey(text: unknown): SigningKey {
  if (typeof text !== 'string') throw malformed('a signer key must be a string');
  if (text.length > MAX_SIGNER_KEY_LENGTH) throw malformed(`a signer key is at most ${MAX_SIGNER_KEY_LENGTH} characters`);
  if (!text.startsWith(SIGNER_KEY_PREFIX)) throw malformed(`a signer key starts with ${SIGNER_KEY_PREFIX}`);
  const rest = text.slice(SIGNER_KEY_PREFIX.length);
  const first = rest.indexOf('+');
  const second = first < 0 ? -1 : rest.indexOf('+', first + 1);
  if (second < 0) throw malformed(`a signer key has the form ${SIGNER_KEY_PREFIX}<name>+<key id>+<key>`);
  const name = rest.slice(0, first);
  const idText = rest.slice(first + 1, second);

  const problem = keyNameProblem(name);
  if (problem !== null) throw malformed(`invalid key name: ${problem}`);
  if (!/^[0-9a-fA-F]{8}$/.test(idText)) throw malformed('the key ID must be 8 hex digits');
  const keyBytes = decodeBase64(rest.slice(second + 1));
  if (keyBytes === null) throw malformed('the key is not canonical padded base64');
  try {
    if (keyBytes.byteLength !== 1 + ED25519_SEED_BYTES) throw malformed(`the key must be 1 type byte and ${ED25519_SEED_BYTES} seed bytes`);
    const type = keyBytes[0] ?? -1;
    if (!isSignatureType(type)) throw malformed('unsupported signature type');
    const key = SigningKey.fromSeed(name, keyBytes.subarray(1), type);
    if (!bytesEqual(key.verifier.keyId, Buffer.from(idText, 'hex'))) throw malformed('the key ID does not match the name and key');
    return key;
  } finally {
    keyBytes.fill(0);
  }
}

function malformed(message: string): CryptoError {
  return new CryptoError('KEY_MALFORMED', `malformed signer key: ${message}`);
}
