import { bytesEqual, concatBytes, utf8 } from './bytes.ts';
import { CryptoError, EnvelopeError } from './errors.ts';
import { SIGNATURE_TYPE_ED25519 } from './key-id.ts';
import { isPlainRecord, packMsgpack, unknownKeys, unpackMsgpack } from './msgpack.ts';
import type { SigningKey } from './signing-key.ts';
import type { VerifierKey } from './verifier-key.ts';
import { ED25519_SIGNATURE_BYTES } from './ed25519.ts';
import { quote } from '../quote.ts';

/**
 * A signed envelope (DSSE-style): payload bytes, their type, and signatures
 * over a domain-separated encoding of both (`preAuthEncoding`). Signers are
 * named by their C2SP key ID in hex (8 lower-case digits); the ID only
 * selects which trusted key to try, it is not itself trusted.
 */
export interface EnvelopeSignature {
  /** C2SP key ID of the signing key, 8 lower-case hex digits. */
  readonly keyId: string;
  /** Ed25519 signature over preAuthEncoding(payloadType, payload), 64 bytes. */
  readonly sig: Uint8Array;
}

export interface Envelope {
  readonly payloadType: string;
  readonly payload: Uint8Array;
  readonly signatures: readonly EnvelopeSignature[];
}

export const ENVELOPE_DOMAIN = 'hashfeed-envelope-v1';
/** Default cap on an encoded envelope; feed layers pass their own per object type. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 64 * 1024 * 1024;
export const MAX_ENVELOPE_SIGNATURES = 16;
const PAYLOAD_TYPE_PATTERN = /^[\x21-\x7e]{1,128}$/;
const KEY_ID_PATTERN = /^[0-9a-f]{8}$/;
const ENVELOPE_FIELDS = ['payloadType', 'payload', 'signatures'];
const SIGNATURE_FIELDS = ['keyId', 'sig'];

/**
 * The exact bytes every envelope signature covers:
 * `"hashfeed-envelope-v1" SP len(type) SP type SP len(payload) SP payload`,
 * lengths in ASCII decimal byte counts, SP a single 0x20 byte.
 */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  const header = utf8(`${ENVELOPE_DOMAIN} ${type.byteLength} ${payloadType} ${payload.byteLength} `);
  return concatBytes(header, payload);
}

/** Signs `payload` as `payloadType` with every signer (Ed25519 keys, distinct). The envelope shares `payload`'s memory. */
export function signEnvelope(payloadType: string, payload: Uint8Array, signers: readonly SigningKey[]): Envelope {
  if (!PAYLOAD_TYPE_PATTERN.test(payloadType)) {
    throw new EnvelopeError('ENVELOPE_MALFORMED', 'payload type must be 1 to 128 printable ASCII characters without spaces');
  }
  if (signers.length === 0 || signers.length > MAX_ENVELOPE_SIGNATURES) {
    throw new EnvelopeError('ENVELOPE_MALFORMED', `an envelope needs 1 to ${MAX_ENVELOPE_SIGNATURES} signers`);
  }
  if (new Set(signers.map((s) => s.verifier.text)).size !== signers.length) {
    throw new EnvelopeError('ENVELOPE_MALFORMED', 'the same key cannot sign an envelope twice');
  }
  const message = preAuthEncoding(payloadType, payload);
  const signatures = signers.map((signer) => {
    if (signer.signatureType !== SIGNATURE_TYPE_ED25519) {
      throw new CryptoError('KEY_WRONG_TYPE', `key ${signer.name} is not an Ed25519 signing key`);
    }
    return { keyId: signer.keyIdHex, sig: signer.sign(message) };
  });
  return { payloadType, payload, signatures };
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  return packMsgpack({
    payloadType: envelope.payloadType,
    payload: envelope.payload,
    signatures: envelope.signatures.map((s) => ({ keyId: s.keyId, sig: s.sig })),
  });
}

/**
 * Decodes and shape-checks an envelope; nothing is verified yet. Throws
 * ENVELOPE_TOO_LARGE over `maxBytes`, ENVELOPE_MALFORMED for anything that
 * is not exactly the envelope map (unknown fields included).
 */
export function decodeEnvelope(bytes: Uint8Array, maxBytes = DEFAULT_MAX_ENVELOPE_BYTES): Envelope {
  if (bytes.byteLength > maxBytes) {
    throw new EnvelopeError('ENVELOPE_TOO_LARGE', `envelope of ${bytes.byteLength} bytes exceeds the limit of ${maxBytes}`);
  }
  let decoded: unknown;
  try {
    decoded = unpackMsgpack(bytes);
  } catch (cause) {
    throw new EnvelopeError('ENVELOPE_MALFORMED', 'envelope is not a single msgpack value', { cause });
  }
  return parseEnvelope(decoded);
}

/** The guard: `value` must be exactly an envelope map. */
export function parseEnvelope(value: unknown): Envelope {
  if (!isPlainRecord(value)) throw malformed('envelope must be a map');
  const extra = unknownKeys(value, ENVELOPE_FIELDS);
  if (extra.length > 0) throw malformed(`envelope has unknown field ${quote(extra[0] ?? '')}`);
  const { payloadType, payload, signatures } = value;
  if (typeof payloadType !== 'string' || !PAYLOAD_TYPE_PATTERN.test(payloadType)) {
    throw malformed('envelope.payloadType must be 1 to 128 printable ASCII characters without spaces');
  }
  if (!(payload instanceof Uint8Array)) throw malformed('envelope.payload must be binary');
  if (!Array.isArray(signatures) || signatures.length === 0 || signatures.length > MAX_ENVELOPE_SIGNATURES) {
    throw malformed(`envelope.signatures must be an array of 1 to ${MAX_ENVELOPE_SIGNATURES} signatures`);
  }
  const parsed = signatures.map((item: unknown, i): EnvelopeSignature => {
    if (!isPlainRecord(item)) throw malformed(`envelope.signatures[${i}] must be a map`);
    const extraSig = unknownKeys(item, SIGNATURE_FIELDS);
    if (extraSig.length > 0) throw malformed(`envelope.signatures[${i}] has unknown field ${quote(extraSig[0] ?? '')}`);
    const { keyId, sig } = item;
    if (typeof keyId !== 'string' || !KEY_ID_PATTERN.test(keyId)) throw malformed(`envelope.signatures[${i}].keyId must be 8 lower-case hex digits`);
    if (!(sig instanceof Uint8Array) || sig.byteLength !== ED25519_SIGNATURE_BYTES) {
      throw malformed(`envelope.signatures[${i}].sig must be ${ED25519_SIGNATURE_BYTES} bytes`);
    }
    return { keyId, sig: plain(sig) };
  });
  return { payloadType, payload: plain(payload), signatures: parsed };
}

export interface VerifyEnvelopeOptions {
  /** Distinct trusted keys that must have signed; default 1. */
  readonly threshold?: number;
  /** Cap on the encoded envelope when bytes are given; default DEFAULT_MAX_ENVELOPE_BYTES. */
  readonly maxBytes?: number;
}

export interface VerifiedEnvelope {
  readonly payload: Uint8Array;
  /** The trusted keys whose signatures verified, in signature order. */
  readonly signedBy: readonly VerifierKey[];
}

/**
 * Verifies an envelope and returns its payload bytes, still undecoded: the
 * caller decodes them only after this returns.
 *
 * Rules: the payload type must equal `expectedPayloadType`
 * (ENVELOPE_WRONG_TYPE). A signature whose key ID matches no trusted key is
 * ignored. A signature whose key ID matches a trusted key must verify under
 * one of the trusted keys with that ID, else the whole envelope is rejected
 * (ENVELOPE_BAD_SIGNATURE), as signed-note requires of notes. With no
 * signature from a trusted key: ENVELOPE_UNTRUSTED_KEY; with fewer distinct
 * trusted signers than `threshold`: ENVELOPE_THRESHOLD_NOT_MET.
 */
export function verifyEnvelope(
  envelope: Uint8Array | Envelope,
  expectedPayloadType: string,
  trustedKeys: readonly VerifierKey[],
  options: VerifyEnvelopeOptions = {},
): Uint8Array {
  return verifyEnvelopeSigners(envelope, expectedPayloadType, trustedKeys, options).payload;
}

/** As verifyEnvelope, also naming the trusted keys that signed. */
export function verifyEnvelopeSigners(
  input: Uint8Array | Envelope,
  expectedPayloadType: string,
  trustedKeys: readonly VerifierKey[],
  options: VerifyEnvelopeOptions = {},
): VerifiedEnvelope {
  const threshold = options.threshold ?? 1;
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new RangeError('threshold must be a positive integer');
  for (const key of trustedKeys) {
    if (key.signatureType !== SIGNATURE_TYPE_ED25519) throw new CryptoError('KEY_WRONG_TYPE', `trusted key ${key.name} is not an Ed25519 key`);
  }
  // A caller-built object gets the same guard as decoded bytes.
  const envelope = input instanceof Uint8Array ? decodeEnvelope(input, options.maxBytes) : parseEnvelope(input);
  if (envelope.payloadType !== expectedPayloadType) {
    throw new EnvelopeError('ENVELOPE_WRONG_TYPE', `envelope holds ${quote(envelope.payloadType)}, expected '${expectedPayloadType}'`);
  }
  const message = preAuthEncoding(envelope.payloadType, envelope.payload);
  const signedBy: VerifierKey[] = [];
  let matchedTrustedKey = false;
  for (const signature of envelope.signatures) {
    const candidates = trustedKeys.filter((key) => key.keyIdHex === signature.keyId);
    if (candidates.length === 0) continue;
    matchedTrustedKey = true;
    const signer = candidates.find((key) => key.verify(message, signature.sig));
    if (signer === undefined) {
      throw new EnvelopeError('ENVELOPE_BAD_SIGNATURE', `signature by key ${signature.keyId} does not verify`);
    }
    // Distinct public keys: one key trusted under two names (two key IDs) is one signer towards a threshold.
    if (!signedBy.some((key) => bytesEqual(key.publicKey, signer.publicKey))) signedBy.push(signer);
  }
  if (!matchedTrustedKey) {
    throw new EnvelopeError('ENVELOPE_UNTRUSTED_KEY', `no signature is by a trusted key (signed by ${envelope.signatures.map((s) => s.keyId).join(', ')})`);
  }
  if (signedBy.length < threshold) {
    throw new EnvelopeError('ENVELOPE_THRESHOLD_NOT_MET', `${signedBy.length} trusted key(s) signed, ${threshold} required`);
  }
  return { payload: envelope.payload, signedBy };
}

function malformed(message: string): EnvelopeError {
  return new EnvelopeError('ENVELOPE_MALFORMED', message);
}

/** msgpackr returns Buffers; callers get plain Uint8Array views. */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
