import { encodeEnvelope, encodeHex, parseVerifierKey, signEnvelope, SIGNATURE_TYPE_ED25519, type SigningKey, type VerifierKey } from '../crypto/index.ts';
import { feedOrigin } from '../note/index.ts';
import { decodeMsgpack, encodeMsgpack } from '../wire/codec.ts';
import { FEED_NAME_PATTERN } from '../wire/delta.ts';
import { WireError } from '../wire/errors.ts';
import { array, exactRecord, str, timestampMs, uint } from '../wire/guards.ts';
import { TrustError } from './errors.ts';
import { KEY_PURPOSES, PURPOSE_PATTERN } from './key-purpose.ts';
import { quote } from '../quote.ts';

/** Payload type of a root document envelope (docs/PROTOCOL.md 4.1). */
export const ROOT_PAYLOAD_TYPE = 'hashfeed/root/v1';
export const MAX_ROOT_PAYLOAD_BYTES = 256 * 1024;
/** Root keys per document: a successor is signed by a threshold of the old and of the new set, in at most 16 envelope signatures. */
export const MAX_ROOT_KEYS = 8;
export const MAX_DELEGATED_KEYS = 1024;
export const MAX_REVOCATIONS = 1024;

/** An online key the root delegates to, for one purpose over a window (replaces the key certificate of protocol v1). */
export interface DelegatedKey {
  readonly verifierKey: VerifierKey;
  readonly purpose: string;
  /** Inclusive, ms since the epoch. */
  readonly notBefore: number;
  /** Exclusive, ms since the epoch; after notBefore. */
  readonly notAfter: number;
}

/** A delegated key withdrawn before its notAfter: unusable from `revokedAt` on, for freshness and archived objects alike. */
export interface Revocation {
  readonly verifierKey: VerifierKey;
  readonly revokedAt: number;
  /** Why, for operators and auditors: 1 to 256 characters. */
  readonly reason: string;
}

/**
 * The root of trust at one version (TUF's root role): the root keys and the
 * threshold that must sign the next version, every online key with its
 * purpose and window (current and past, so that archived objects stay
 * verifiable), and the revocations. Signed by a threshold of its own root
 * keys and, from version 2, of its predecessor's.
 */
export interface RootDocument {
  readonly feed: string;
  /** 1, 2, 3, ...: each version is signed by its predecessor's root keys. */
  readonly version: number;
  readonly issuedAt: number;
  readonly rootKeys: readonly VerifierKey[];
  readonly rootThreshold: number;
  readonly keys: readonly DelegatedKey[];
  readonly revoked: readonly Revocation[];
}

const FIELDS = ['feed', 'version', 'issuedAt', 'rootKeys', 'rootThreshold', 'keys', 'revoked'];
const KEY_FIELDS = ['verifierKey', 'purpose', 'notBefore', 'notAfter'];
const REVOCATION_FIELDS = ['verifierKey', 'revokedAt', 'reason'];
const REASON_PATTERN = /^[^\p{Cc}]+$/u;

/** The exact payload bytes root key holders sign. Checks the document first (ROOT_MALFORMED). */
export function encodeRootDocument(root: RootDocument): Uint8Array {
  checkRootDocument(root);
  return encodeMsgpack({
    feed: root.feed,
    version: root.version,
    issuedAt: root.issuedAt,
    rootKeys: root.rootKeys.map((k) => k.text),
    rootThreshold: root.rootThreshold,
    keys: root.keys.map((k) => ({ verifierKey: k.verifierKey.text, purpose: k.purpose, notBefore: k.notBefore, notAfter: k.notAfter })),
    revoked: root.revoked.map((r) => ({ verifierKey: r.verifierKey.text, revokedAt: r.revokedAt, reason: r.reason })),
  });
}

/** Signs a root document's payload with the given root keys (one signature each); an offline holder may add more later. */
export function signRootDocument(root: RootDocument, signers: readonly SigningKey[]): Uint8Array {
  return encodeEnvelope(signEnvelope(ROOT_PAYLOAD_TYPE, encodeRootDocument(root), signers));
}

/** Decodes a root payload; use only on bytes whose signatures verified. Throws ROOT_MALFORMED. */
export function decodeRootDocument(payload: Uint8Array): RootDocument {
  try {
    const fields = exactRecord(decodeMsgpack(payload, MAX_ROOT_PAYLOAD_BYTES), 'root', FIELDS);
    const feed = str(fields.feed, 'root.feed', 63, FEED_NAME_PATTERN);
    const root: RootDocument = {
      feed,
      version: uint(fields.version, 'root.version', Number.MAX_SAFE_INTEGER),
      issuedAt: timestampMs(fields.issuedAt, 'root.issuedAt'),
      rootKeys: array(fields.rootKeys, 'root.rootKeys', MAX_ROOT_KEYS).map((k, i) => verifierKey(k, `root.rootKeys[${i}]`)),
      rootThreshold: uint(fields.rootThreshold, 'root.rootThreshold', MAX_ROOT_KEYS),
      keys: array(fields.keys, 'root.keys', MAX_DELEGATED_KEYS).map((k, i) => delegatedKey(k, `root.keys[${i}]`)),
      revoked: array(fields.revoked, 'root.revoked', MAX_REVOCATIONS).map((r, i) => revocation(r, `root.revoked[${i}]`)),
    };
    checkRootDocument(root);
    return root;
  } catch (cause) {
    if (cause instanceof WireError) throw new TrustError('ROOT_MALFORMED', cause.message, { cause });
    throw cause;
  }
}

function delegatedKey(value: unknown, what: string): DelegatedKey {
  const fields = exactRecord(value, what, KEY_FIELDS);
  return {
    verifierKey: verifierKey(fields.verifierKey, `${what}.verifierKey`),
    purpose: str(fields.purpose, `${what}.purpose`, 64, PURPOSE_PATTERN),
    notBefore: timestampMs(fields.notBefore, `${what}.notBefore`),
    notAfter: timestampMs(fields.notAfter, `${what}.notAfter`),
  };
}

function revocation(value: unknown, what: string): Revocation {
  const fields = exactRecord(value, what, REVOCATION_FIELDS);
  return {
    verifierKey: verifierKey(fields.verifierKey, `${what}.verifierKey`),
    revokedAt: timestampMs(fields.revokedAt, `${what}.revokedAt`),
    reason: str(fields.reason, `${what}.reason`, 256, REASON_PATTERN),
  };
}

function verifierKey(value: unknown, what: string): VerifierKey {
  try {
    return parseVerifierKey(value);
  } catch (cause) {
    throw new WireError('WIRE_BAD_FIELD', `${what} is not a verifier key string`, { cause });
  }
}

/**
 * The rules of 4.1 that one document must meet on its own: a threshold
 * between 1 and the number of root keys; distinct public keys (whatever
 * their names); Ed25519 keys only;
 * a root key is never also an online key; windows that end after they
 * begin; checkpoint keys named after the log origin; every revocation names
 * a listed key, once.
 */
export function checkRootDocument(root: RootDocument): void {
  const problem = rootProblem(root);
  if (problem !== null) throw new TrustError('ROOT_MALFORMED', problem);
}

function rootProblem(root: RootDocument): string | null {
  if (!FEED_NAME_PATTERN.test(root.feed)) return `root.feed ${quote(root.feed)} is not a feed name`;
  if (!Number.isSafeInteger(root.version) || root.version < 1) return 'root.version must be an integer from 1';
  if (!Number.isSafeInteger(root.issuedAt) || root.issuedAt < 0) return 'root.issuedAt must be a time in ms';
  if (root.rootKeys.length === 0 || root.rootKeys.length > MAX_ROOT_KEYS) return `a root lists 1 to ${MAX_ROOT_KEYS} root keys`;
  if (!Number.isSafeInteger(root.rootThreshold) || root.rootThreshold < 1 || root.rootThreshold > root.rootKeys.length) {
    return `root.rootThreshold must be from 1 to the number of root keys (${root.rootKeys.length})`;
  }
  const all = [...root.rootKeys, ...root.keys.map((k) => k.verifierKey)];
  if (all.some((k) => k.signatureType !== SIGNATURE_TYPE_ED25519)) return 'root and online keys must be Ed25519 keys (type 0x01)';
  if (new Set(root.rootKeys.map((k) => k.keyIdHex)).size !== root.rootKeys.length) return 'root.rootKeys repeats a key ID';
  // By public key, not by name or key ID (both hash the name): one key named twice would count twice towards a
  // threshold, or sign for two purposes.
  if (new Set(all.map((k) => encodeHex(k.publicKey))).size !== all.length) return 'a key is listed twice, or a root key is also listed as an online key';
  const origin = feedOrigin(root.feed);
  for (const key of root.keys) {
    if (!PURPOSE_PATTERN.test(key.purpose)) return `key ${key.verifierKey.name} has an invalid purpose`;
    if (!Number.isSafeInteger(key.notBefore) || !Number.isSafeInteger(key.notAfter) || key.notBefore < 0 || key.notAfter <= key.notBefore) {
      return `key ${key.verifierKey.name}+${key.verifierKey.keyIdHex}: notAfter must be after notBefore`;
    }
    // C2SP tlog-checkpoint: the log's key name is its origin, so witnesses pin one stable name across rotations.
    if (key.purpose === KEY_PURPOSES.checkpoint && key.verifierKey.name !== origin) return `a checkpoint key must be named ${quote(origin)}`;
  }
  const listed = new Set(root.keys.map((k) => k.verifierKey.text));
  const revoked = new Set<string>();
  for (const entry of root.revoked) {
    if (!listed.has(entry.verifierKey.text)) return `revocation of ${entry.verifierKey.name}+${entry.verifierKey.keyIdHex}, which root.keys does not list`;
    if (revoked.has(entry.verifierKey.text)) return `key ${entry.verifierKey.name}+${entry.verifierKey.keyIdHex} is revoked twice`;
    if (!Number.isSafeInteger(entry.revokedAt) || entry.revokedAt < 0) return 'revokedAt must be a time in ms';
    if (entry.reason.length === 0 || entry.reason.length > 256 || !REASON_PATTERN.test(entry.reason)) return 'a revocation reason is 1 to 256 characters, no control characters';
    revoked.add(entry.verifierKey.text);
  }
  return null;
}
