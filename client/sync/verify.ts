/**
 * The verification steps of a sync round, one named function each, in the
 * order the syncer calls them (docs/PROTOCOL.md 9.3). Each takes unverified
 * bytes or decoded-but-unchecked values and either returns what it proved
 * or throws a SyncError; nothing is decoded before its signature verifies.
 */
import {
  CertificateError,
  checkUsable,
  decodeEnvelope,
  EnvelopeError,
  verifyCertificateSignature,
  verifyCertifiedEnvelope,
  verifyEnvelopeSigners,
  type KeyCertificate,
} from '../../shared/crypto/index.ts';
import { getAlgorithm } from '../../shared/hashing/registry.ts';
import { hashLeaf, MerkleError, verifyConsistency, verifyInclusion } from '../../shared/merkle/index.ts';
import { feedOrigin, NoteError, verifyCheckpoint as verifyCheckpointNote } from '../../shared/note/index.ts';
import { decodeKeyList } from '../../shared/wire/delta-chain.ts';
import { decodeDelta, DELTA_PAYLOAD_TYPE, type Delta } from '../../shared/wire/delta.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { decodeSnapshot, SNAPSHOT_PAYLOAD_TYPE, type Snapshot } from '../../shared/wire/snapshot.ts';
import { decodeTimestamp, TIMESTAMP_PAYLOAD_TYPE, type FeedTimestamp } from '../../shared/wire/timestamp.ts';
import { isFromFuture, type TrustedState } from '../replica/trusted-state.ts';
import { SyncError } from './errors.ts';
import type { FeedSource, LeafKind } from './feed-source.ts';

export const FEED_SIGNING_PURPOSE = 'feed-signing';
const hashLength = (algorithm: string): number => getAlgorithm(algorithm).bits / 8;

export interface TreeHead {
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly note: string;
}

/** The signing-key certificates a round trusts: each one verified against the pinned root. */
export interface CertifiedKeys {
  readonly root: string;
  readonly certificates: readonly Uint8Array[];
  readonly keys: readonly KeyCertificate[];
}

function untrusted(what: string, cause: unknown): SyncError {
  if (cause instanceof SyncError) return cause;
  const known = cause instanceof EnvelopeError || cause instanceof CertificateError || cause instanceof NoteError;
  const code = known && cause.code === 'ENVELOPE_MALFORMED' ? 'SYNC_MALFORMED' : 'SYNC_UNTRUSTED';
  return new SyncError(code, `${what}: ${known ? cause.message : 'verification failed'}`, { cause });
}

/** 9.3 step 1: every signing-key certificate chains to the pinned root key. */
export function verifyCertificates(body: Uint8Array, root: string): CertifiedKeys {
  let certificates: Uint8Array[];
  try {
    certificates = decodeKeyList(body, body.byteLength);
  } catch (cause) {
    throw new SyncError('SYNC_MALFORMED', 'the key list is malformed', { cause });
  }
  try {
    const keys = certificates.map((c) => verifyCertificateSignature(decodeEnvelope(c, 4096), root));
    return { root, certificates, keys };
  } catch (cause) {
    throw untrusted('a signing-key certificate does not chain to the pinned root', cause);
  }
}

/** 9.3 step 2a: a freshness object (the timestamp) is signed by a certified key valid now; only then is the payload returned. */
export function verifySignedPayload(envelope: Uint8Array, payloadType: string, keys: CertifiedKeys, now: number): Uint8Array {
  try {
    return verifyCertifiedEnvelope(envelope, payloadType, { root: keys.root, certificates: keys.certificates, purpose: FEED_SIGNING_PURPOSE, at: now, maxBytes: envelope.byteLength }).payload;
  } catch (cause) {
    throw untrusted(`${payloadType} envelope`, cause);
  }
}

/** An archived object's payload whose signature verified, and the certificates of the keys that signed it (windows not yet judged). */
export interface ArchivedPayload {
  readonly payload: Uint8Array;
  readonly signers: readonly KeyCertificate[];
}

/**
 * 9.3 step 2b, first half: a delta or snapshot is signed by a key the root
 * certified for feed signing, whatever the time; only then is the payload
 * returned, to be decoded. Its certificate is judged later, at the time the
 * log recorded the object (checkRecordedWhileCertified), not now: an
 * archived object outlives its key's certificate.
 */
export function verifyArchivedPayload(envelope: Uint8Array, payloadType: string, keys: CertifiedKeys): ArchivedPayload {
  const forPurpose = keys.keys.filter((k) => k.purpose === FEED_SIGNING_PURPOSE);
  try {
    const { payload, signedBy } = verifyEnvelopeSigners(envelope, payloadType, forPurpose.map((k) => k.verifierKey), { maxBytes: envelope.byteLength });
    return { payload, signers: forPurpose.filter((k) => signedBy.some((key) => key.equals(k.verifierKey))) };
  } catch (cause) {
    throw untrusted(`${payloadType} envelope`, cause);
  }
}

/**
 * 9.3 step 2b, second half (Sigstore's rule: a certificate is judged at the
 * log's integrated time, not now). `recordedAt` is the object's own signed
 * `createdAt`, made in the transaction that appends it to the log, and the
 * leaf commits to it (the leaf hash covers the envelope). It is trusted only
 * together with step 6b, inclusion under a checkpoint named by a timestamp
 * signed by a key valid now: a holder of an expired key cannot mint objects
 * the log never recorded. One signer's certificate must have been valid at
 * `recordedAt`. No bound against the timestamp's `issuedAt`: a delta signed
 * while the Centre's clock ran fast is logged for good, and refusing it would
 * stop every lagging replica at it. Revocation, once keys can be revoked, is
 * checked at the same instant.
 */
export function checkRecordedWhileCertified(what: string, recordedAt: number, signers: readonly KeyCertificate[]): void {
  let firstProblem: unknown;
  for (const signer of signers) {
    try {
      checkUsable(signer, { purpose: FEED_SIGNING_PURPOSE, at: recordedAt });
      return;
    } catch (problem) {
      if (!(problem instanceof CertificateError)) throw problem;
      firstProblem ??= problem;
    }
  }
  throw untrusted(`the ${what} made at ${instant(recordedAt)}`, firstProblem ?? new CertificateError('CERT_NOT_FOUND', 'no signer is certified'));
}

/** A signed time for a message: a payload may carry up to 2^53 - 1 ms, beyond what Date can print. */
function instant(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms after the epoch` : date.toISOString();
}

function decoded<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (cause) {
    if (cause instanceof WireError) throw new SyncError('SYNC_MALFORMED', `${what}: ${cause.message}`, { cause });
    throw cause;
  }
}

export function verifyTimestamp(envelope: Uint8Array, keys: CertifiedKeys, feed: string, now: number): FeedTimestamp {
  const payload = verifySignedPayload(envelope, TIMESTAMP_PAYLOAD_TYPE, keys, now);
  const timestamp = decoded('timestamp', () => decodeTimestamp(payload));
  checkFeed(timestamp.feed, feed);
  return timestamp;
}

/**
 * 9.3 step 3a: versions only go up (TUF 5.3: rollback attack). A held
 * timestamp issued ahead of the local clock (taken before step 3c existed,
 * or the local clock stepped back) guards nothing: otherwise every correct
 * timestamp would be a "rollback" until the clock caught up.
 */
export function checkNoRollback(timestamp: FeedTimestamp, trusted: TrustedState, now: number, maxClockSkewMs: number): void {
  if (timestamp.version < trusted.version) {
    throw new SyncError('SYNC_ROLLBACK', `the timestamp names version ${timestamp.version}, older than the replica's ${trusted.version}`);
  }
  const held = trusted.timestamp;
  if (held !== null && timestamp.issuedAt < held.issuedAt && !isFromFuture(held.issuedAt, now, maxClockSkewMs)) {
    throw new SyncError('SYNC_ROLLBACK', 'the timestamp is older than one already accepted');
  }
}

/** 9.3 step 3b: a statement past its expiry means the feed is frozen (TUF 5.4: freeze attack). */
export function checkNotExpired(timestamp: FeedTimestamp, now: number): void {
  if (now >= timestamp.expires) {
    throw new SyncError('SYNC_FREEZE', `the newest timestamp expired at ${new Date(timestamp.expires).toISOString()}: the feed is frozen or replayed`);
  }
}

/**
 * 9.3 step 3c: a timestamp issued more than the allowed skew ahead of the
 * local clock is refused and replaces nothing (a Centre clock fault or an
 * NTP attack would otherwise lock out every correct timestamp as a rollback
 * and keep health `ok` for as long as the fault lasts).
 */
export function checkNotFromFuture(timestamp: FeedTimestamp, now: number, maxClockSkewMs: number): void {
  if (isFromFuture(timestamp.issuedAt, now, maxClockSkewMs)) {
    const seconds = Math.round((timestamp.issuedAt - now) / 1000);
    throw new SyncError('SYNC_FROM_FUTURE', `the timestamp was issued ${seconds} s ahead of this sidecar's clock (at most ${Math.round(maxClockSkewMs / 1000)} s allowed): the Centre's clock or this one is wrong`);
  }
}

/**
 * 9.3 step 6a: the checkpoint is signed by a certified key, states the same
 * tree head as the timestamp, and extends the last head this client saw
 * (consistency proof): a Centre cannot show this provider a different
 * history from everyone else's (split view).
 */
export async function verifyTreeHead(source: FeedSource, note: string, keys: CertifiedKeys, feed: string, timestamp: FeedTimestamp, trusted: TrustedState, now: number): Promise<TreeHead> {
  const usable = keys.keys.filter((k) => k.purpose === FEED_SIGNING_PURPOSE && k.notBefore <= now && now < k.notAfter);
  let head: TreeHead | undefined;
  for (const key of usable) {
    try {
      const { checkpoint } = verifyCheckpointNote(note, { origin: feedOrigin(feed), logKey: key.verifierKey });
      head = { size: checkpoint.size, rootHash: checkpoint.rootHash, note };
      break;
    } catch (cause) {
      if (!(cause instanceof NoteError)) throw cause;
    }
  }
  if (head === undefined) throw new SyncError('SYNC_UNTRUSTED', 'the checkpoint is not signed by a certified key');
  if (head.size !== timestamp.logSize || Buffer.compare(Buffer.from(head.rootHash), Buffer.from(timestamp.logRoot)) !== 0) {
    throw new SyncError('SYNC_SPLIT_VIEW', `the checkpoint (size ${head.size}) and the timestamp (size ${timestamp.logSize}) state different logs`);
  }
  const last = trusted.checkpoint;
  if (last !== null) {
    if (head.size < last.size) throw new SyncError('SYNC_SPLIT_VIEW', `the log shrank from ${last.size} to ${head.size}`);
    if (head.size === last.size) {
      if (Buffer.compare(Buffer.from(head.rootHash), Buffer.from(last.rootHash)) !== 0) throw new SyncError('SYNC_SPLIT_VIEW', `two different logs of size ${head.size}`);
    } else {
      const proof = await source.consistencyProof(last.size, head.size);
      try {
        verifyConsistency({ size1: last.size, size2: head.size, root1: last.rootHash, root2: head.rootHash, proof });
      } catch (cause) {
        if (cause instanceof MerkleError) throw new SyncError('SYNC_SPLIT_VIEW', `the log of size ${head.size} does not extend the one of size ${last.size} seen before`, { cause });
        throw cause;
      }
    }
  }
  return head;
}

export function verifyDelta(envelope: Uint8Array, keys: CertifiedKeys, feed: string): { delta: Delta; signers: readonly KeyCertificate[] } {
  const { payload, signers } = verifyArchivedPayload(envelope, DELTA_PAYLOAD_TYPE, keys);
  const delta = decoded('delta', () => decodeDelta(payload, hashLength, payload.byteLength));
  checkFeed(delta.feed, feed);
  return { delta, signers };
}

/** 9.3 step 4: a delta continues the replica exactly, and not beyond what the timestamp vouches for. */
export function checkFollows(delta: Delta, replicaVersion: number, timestamp: FeedTimestamp): void {
  if (delta.version <= replicaVersion) throw new SyncError('SYNC_ROLLBACK', `delta ${delta.version} is not newer than the replica's ${replicaVersion} (replay)`);
  if (delta.previous !== replicaVersion) throw new SyncError('SYNC_VERSION_GAP', `delta ${delta.version} follows ${delta.previous}, the replica is at ${replicaVersion}`);
  if (delta.version > timestamp.version) throw new SyncError('SYNC_FAST_FORWARD', `delta ${delta.version} is beyond the signed latest version ${timestamp.version}`);
}

export function verifySnapshot(envelope: Uint8Array, keys: CertifiedKeys, feed: string, replicaVersion: number, timestamp: FeedTimestamp): { snapshot: Snapshot; signers: readonly KeyCertificate[] } {
  const { payload, signers } = verifyArchivedPayload(envelope, SNAPSHOT_PAYLOAD_TYPE, keys);
  const snapshot = decoded('snapshot', () => decodeSnapshot(payload, hashLength, payload.byteLength));
  checkFeed(snapshot.feed, feed);
  if (snapshot.version < replicaVersion) throw new SyncError('SYNC_ROLLBACK', `snapshot ${snapshot.version} is older than the replica's ${replicaVersion}`);
  if (snapshot.version > timestamp.version) throw new SyncError('SYNC_FAST_FORWARD', `snapshot ${snapshot.version} is beyond the signed latest version ${timestamp.version}`);
  return { snapshot, signers };
}

/** 9.3 step 6b: the exact envelope applied is a leaf of the verified log. */
export async function checkIncluded(source: FeedSource, kind: LeafKind, version: number, envelope: Uint8Array, head: TreeHead): Promise<void> {
  const { leafIndex, proof } = await source.inclusionProof(kind, version, head.size);
  try {
    verifyInclusion({ leafHash: hashLeaf(envelope), leafIndex, treeSize: head.size, proof, rootHash: head.rootHash });
  } catch (cause) {
    if (cause instanceof MerkleError) throw new SyncError('SYNC_NOT_IN_LOG', `the ${kind} of version ${version} is not in the log`, { cause });
    throw cause;
  }
}

function checkFeed(actual: string, expected: string): void {
  if (actual !== expected) throw new SyncError('SYNC_WRONG_FEED', `an object of feed '${actual}' where '${expected}' was expected (mix-and-match)`);
}
