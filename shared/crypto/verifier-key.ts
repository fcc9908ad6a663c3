import type { KeyObject } from 'node:crypto';
import { bytesEqual, concatBytes, decodeBase64, encodeBase64 } from './bytes.ts';
import { ED25519_PUBLIC_KEY_BYTES, publicKeyObject, verifyEd25519 } from './ed25519.ts';
import { CryptoError } from './errors.ts';
import { computeKeyId, isSignatureType, keyIdHex, keyNameProblem, SIGNATURE_TYPE_ED25519, type SignatureType } from './key-id.ts';

const MAX_VERIFIER_KEY_LENGTH = 1024;

/**
 * A public key with its C2SP name and key ID: the only thing a verifier
 * needs. Its text form is the C2SP verifier key string
 * `<name>+<8 hex digits of key ID>+<base64(signature type || 32-byte public key)>`.
 */
export class VerifierKey {
  readonly name: string;
  readonly signatureType: SignatureType;
  readonly publicKey: Uint8Array;
  readonly keyId: Uint8Array;
  /** The key ID as 8 lower-case hex digits; envelopes name their signers by it. */
  readonly keyIdHex: string;
  /** The C2SP verifier key string. */
  readonly text: string;
  #keyObject: KeyObject | undefined;

  /** Prefer `parseVerifierKey` or `SigningKey.verifier`; throws KEY_NAME_INVALID for a bad name. */
  constructor(name: string, publicKey: Uint8Array, signatureType: SignatureType = SIGNATURE_TYPE_ED25519) {
    const problem = keyNameProblem(name);
    if (problem !== null) throw new CryptoError('KEY_NAME_INVALID', `invalid key name: ${problem}`);
    if (publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) {
      throw new CryptoError('KEY_MALFORMED', `an Ed25519 public key is ${ED25519_PUBLIC_KEY_BYTES} bytes, not ${publicKey.byteLength}`);
    }
    this.name = name;
    this.signatureType = signatureType;
    this.publicKey = Uint8Array.from(publicKey);
    this.keyId = computeKeyId(name, signatureType, this.publicKey);
    this.keyIdHex = keyIdHex(this.keyId);
    this.text = `${name}+${this.keyIdHex}+${encodeBase64(concatBytes(new Uint8Array([signatureType]), this.publicKey))}`;
  }

  /** Plain Ed25519 verification of `signature` over exactly `message`. */
  verify(message: Uint8Array, signature: Uint8Array): boolean {
    this.#keyObject ??= publicKeyObject(this.publicKey);
    return verifyEd25519(this.#keyObject, message, signature);
  }

  /** Same name, type and public key. */
  equals(other: VerifierKey): boolean {
    return this.text === other.text;
  }

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }
}

export interface ParseVerifierKeyOptions {
  /** Signature types accepted; default Ed25519 (0x01) only. */
  readonly signatureTypes?: readonly SignatureType[];
}

/**
 * Parses a C2SP verifier key string, checking the name rules, the type
 * byte, the key length, and that the stated key ID is the one the name and
 * key produce. Throws CryptoError KEY_MALFORMED (or KEY_WRONG_TYPE).
 */
export function parseVerifierKey(text: unknown, options: ParseVerifierKeyOptions = {}): VerifierKey {
  const accepted = options.signatureTypes ?? [SIGNATURE_TYPE_ED25519];
  if (typeof text !== 'string') throw malformed('a verifier key must be a string');
  if (text.length > MAX_VERIFIER_KEY_LENGTH) throw malformed(`a verifier key is at most ${MAX_VERIFIER_KEY_LENGTH} characters`);
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw malformed("a verifier key has the form <name>+<key id>+<key>");
  const name = text.slice(0, first);
  const idText = text.slice(first + 1, second);
  const keyText = text.slice(second + 1);

  const problem = keyNameProblem(name);
  if (problem !== null) throw malformed(`invalid key name: ${problem}`);
  if (!/^[0-9a-fA-F]{8}$/.test(idText)) throw malformed('the key ID must be 8 hex digits');
  const keyBytes = decodeBase64(keyText);
  if (keyBytes === null) throw malformed('the key is not canonical padded base64');
  if (keyBytes.byteLength !== 1 + ED25519_PUBLIC_KEY_BYTES) {
    throw malformed(`the key must be 1 type byte and ${ED25519_PUBLIC_KEY_BYTES} key bytes`);
  }
  const type = keyBytes[0] ?? -1;
  if (!isSignatureType(type)) throw malformed(`unsupported signature type 0x${type.toString(16).padStart(2, '0')}`);
  if (!accepted.includes(type)) {
    throw new CryptoError('KEY_WRONG_TYPE', `signature type 0x${type.toString(16).padStart(2, '0')} is not accepted here`);
  }
  const key = new VerifierKey(name, keyBytes.subarray(1), type);
  if (!bytesEqual(key.keyId, Buffer.from(idText, 'hex'))) throw malformed('the key ID does not match the name and key');
  return key;
}

function malformed(message: string): CryptoError {
  return new CryptoError('KEY_MALFORMED', `malformed verifier key: ${message}`);
}
