import { createHash } from 'node:crypto';
import { encodeHex, utf8 } from './bytes.ts';

/**
 * C2SP signed-note signature type bytes (c2sp.org/signed-note, "Signature
 * types"). hashfeed uses Ed25519 (0x01) for everything it signs, and accepts
 * timestamped Ed25519 witness cosignatures (0x04, c2sp.org/tlog-cosignature).
 */
export const SIGNATURE_TYPE_ED25519 = 0x01;
export const SIGNATURE_TYPE_COSIGNATURE_V1 = 0x04;
export type SignatureType = typeof SIGNATURE_TYPE_ED25519 | typeof SIGNATURE_TYPE_COSIGNATURE_V1;

export function isSignatureType(value: number): value is SignatureType {
  return value === SIGNATURE_TYPE_ED25519 || value === SIGNATURE_TYPE_COSIGNATURE_V1;
}

const MAX_KEY_NAME_BYTES = 255;

/**
 * Why `name` cannot be a key name, or null when it can. signed-note: key
 * names are non-empty and contain no Unicode spaces and no '+'. hashfeed
 * also refuses control characters (a note may not contain them), lone
 * surrogates (not encodable as UTF-8) and names over 255 bytes.
 */
export function keyNameProblem(name: string): string | null {
  if (name.length === 0) return 'the key name is empty';
  if (name.includes('+')) return "the key name contains '+'";
  if (/[\s\u0085]/u.test(name)) return 'the key name contains a space';
  if (/\p{Cc}/u.test(name)) return 'the key name contains a control character';
  if (/\p{Cs}/u.test(name)) return 'the key name is not valid Unicode';
  if (utf8(name).byteLength > MAX_KEY_NAME_BYTES) return `the key name is longer than ${MAX_KEY_NAME_BYTES} bytes`;
  return null;
}

/** key ID = SHA-256(key name || 0x0A || signature type || public key)[:4] (c2sp.org/signed-note). */
export function computeKeyId(name: string, signatureType: SignatureType, publicKey: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(utf8(name)).update(new Uint8Array([0x0a, signatureType])).update(publicKey).digest();
  return new Uint8Array(digest.subarray(0, 4));
}

/** The key ID as 8 lower-case hex digits, the form used in key strings and envelopes. */
export function keyIdHex(keyId: Uint8Array): string {
  return encodeHex(keyId);
}
