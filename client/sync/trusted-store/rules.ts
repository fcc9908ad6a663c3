/**
 * The checks the trusted store applies, one named function each, citing
 * their step in docs/PROTOCOL.md (9.3 for the feed, 10.3 for order lists,
 * section 4 for keys). Only `trusted-store.ts` calls them: the store is the
 * one owner of these decisions (STYLE 14).
 */
import { EnvelopeError, type VerifierKey } from '../../../shared/crypto/index.ts';
import { hashLeaf, MerkleError, verifyConsistency, verifyInclusion } from '../../../shared/merkle/index.ts';
import { NoteError, verifyNote } from '../../../shared/note/index.ts';
import { checkSignedWhileValid as checkSignersAt, TrustError, type DelegatedKey, type RootDocument } from '../../../shared/trust/index.ts';
import type { Delta } from '../../../shared/wire/delta.ts';
import { WireError } from '../../../shared/wire/errors.ts';
import type { FeedTimestamp } from '../../../shared/wire/timestamp.ts';
import { isFromFuture, type TrustedState } from '../../replica/trusted-state.ts';
import { SyncError } from '../errors.ts';
import type { InclusionProof, LeafKind } from '../feed-source.ts';

export interface TreeHead {
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly note: string;
}

/** A signature or key problem as SYNC_UNTRUSTED (SYNC_MALFORMED for an envelope that does not parse), keeping the cause and its code. */
export function untrusted(what: string, cause: unknown): SyncError {
  if (cause instanceof SyncError) return cause;
  const known = cause instanceof EnvelopeError || cause instanceof TrustError || cause instanceof NoteError;
  const code = known && cause.code === 'ENVELOPE_MALFORMED' ? 'SYNC_MALFORMED' : 'SYNC_UNTRUSTED';
  return new SyncError(code, `${what}: ${known ? cause.message : 'verification failed'}`, { cause });
}

/**
 * True for a refusal because the object's signer was revoked at or before
 * its createdAt (4.6), or is no longer listed by the trusted root (a root
 * that dropped a past key): a lagging replica then falls back to a
 * snapshot, which must itself verify, rather than stop at that delta for good.
 */
export function isRevokedSigner(err: unknown): boolean {
  return err instanceof SyncError && err.code === 'SYNC_UNTRUSTED' && err.cause instanceof TrustError && (err.cause.code === 'SIGNER_REVOKED' || err.cause.code === 'SIGNER_NOT_LISTED');
}

export function decoded<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (cause) {
    if (cause instanceof WireError) throw new SyncError('SYNC_MALFORMED', `${what}: ${cause.message}`, { cause });
    throw cause;
  }
}

/** 9.3 (every object): it names the pinned feed (mix-and-match). */
export function checkFeed(actual: string, expected: string): void {
  if (actual !== expected) throw new SyncError('SYNC_WRONG_FEED', `an object of feed '${actual}' where '${expected}' was expected (mix-and-match)`);
}

/**
 * 9.3 step 2b: the timestamp names the root version the Centre held when it
 * signed; after the root update (step 1) the client must hold it too. A
 * source that withholds a newer root (a rotation, a revocation) would
 * otherwise keep the client on keys the Centre has withdrawn.
 */
export function checkRootNotWithheld(timestamp: FeedTimestamp, root: RootDocument): void {
  if (timestamp.rootVersion > root.version) {
    throw new SyncError('SYNC_ROOT_WITHHELD', `the timestamp names root version ${timestamp.rootVersion}, the source served only up to ${root.version}: a newer root is withheld`);
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
 * 9.3 step 3a: versions only go up (TUF 5.3: rollback attack). A held
 * timestamp issued ahead of the local clock (taken before step 3c existed,
 * or the local clock stepped back) guards nothing: otherwise every correct
 * timestamp would be a "rollback" until the clock caught up. Neither does
 * one dropped because its key was revoked (4.7; TUF 5.3.11).
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
 * 9.3 step 6a, witnesses (PROTOCOL 7): with a quorum K > 0, at least K of
 * the configured witnesses (distinct keys) have a cosignature on the
 * checkpoint that verifies over its body. A line that does not verify,
 * or one by a key not configured, counts for nothing; it does not spoil
 * the others. Witnesses refuse to cosign a checkpoint inconsistent with
 * what they cosigned before, so a Centre that shows this provider a forked
 * history cannot gather the quorum.
 */
export function checkWitnessQuorum(note: string, witnesses: readonly VerifierKey[], quorum: number): void {
  if (quorum === 0) return;
  let cosigned = 0;
  for (const witness of witnesses) {
    try {
      verifyNote(note, [witness]);
      cosigned++;
    } catch (cause) {
      if (!(cause instanceof NoteError)) throw cause;
    }
  }
  if (cosigned < quorum) throw new SyncError('SYNC_WITNESS_QUORUM', `${cosigned} of the configured witnesses cosigned the checkpoint, ${quorum} required`);
}

/**
 * 9.3 step 6a, second half: the checkpoint states the same tree head as the
 * timestamp, and extends the last head this client saw (consistency proof):
 * a Centre cannot show this provider a different history from everyone
 * else's (split view).
 */
export async function checkExtendsHeldHead(head: TreeHead, timestamp: FeedTimestamp, trusted: TrustedState, consistencyProof: (from: number, to: number) => Promise<readonly Uint8Array[]>): Promise<void> {
  if (head.size !== timestamp.logSize || Buffer.compare(Buffer.from(head.rootHash), Buffer.from(timestamp.logRoot)) !== 0) {
    throw new SyncError('SYNC_SPLIT_VIEW', `the checkpoint (size ${head.size}) and the timestamp (size ${timestamp.logSize}) state different logs`);
  }
  const last = trusted.checkpoint;
  if (last === null) return;
  if (head.size < last.size) throw new SyncError('SYNC_SPLIT_VIEW', `the log shrank from ${last.size} to ${head.size}`);
  if (head.size === last.size) {
    if (Buffer.compare(Buffer.from(head.rootHash), Buffer.from(last.rootHash)) !== 0) throw new SyncError('SYNC_SPLIT_VIEW', `two different logs of size ${head.size}`);
    return;
  }
  const proof = await consistencyProof(last.size, head.size);
  try {
    verifyConsistency({ size1: last.size, size2: head.size, root1: last.rootHash, root2: head.rootHash, proof });
  } catch (cause) {
    if (cause instanceof MerkleError) throw new SyncError('SYNC_SPLIT_VIEW', `the log of size ${head.size} does not extend the one of size ${last.size} seen before`, { cause });
    throw cause;
  }
}

/** 9.3 step 4: a delta continues the replica exactly, and not beyond what the timestamp vouches for. */
export function checkFollows(delta: Pick<Delta, 'version' | 'previous'>, replicaVersion: number, timestamp: FeedTimestamp): void {
  if (delta.version <= replicaVersion) throw new SyncError('SYNC_ROLLBACK', `delta ${delta.version} is not newer than the replica's ${replicaVersion} (replay)`);
  if (delta.previous !== replicaVersion) throw new SyncError('SYNC_VERSION_GAP', `delta ${delta.version} follows ${delta.previous}, the replica is at ${replicaVersion}`);
  if (delta.version > timestamp.version) throw new SyncError('SYNC_FAST_FORWARD', `delta ${delta.version} is beyond the signed latest version ${timestamp.version}`);
}

/** 9.3 step 4 for a snapshot: not older than the replica (an equal one re-bootstraps it), not beyond the timestamp. */
export function checkSnapshotVersion(version: number, replicaVersion: number, timestamp: FeedTimestamp): void {
  if (version < replicaVersion) throw new SyncError('SYNC_ROLLBACK', `snapshot ${version} is older than the replica's ${replicaVersion}`);
  if (version > timestamp.version) throw new SyncError('SYNC_FAST_FORWARD', `snapshot ${version} is beyond the signed latest version ${timestamp.version}`);
}

/**
 * 9.3 step 2c (PROTOCOL 4.6; Sigstore's rule: a key is judged at the log's
 * integrated time, not now). `createdAt` is the object's own signed time,
 * made in the transaction that appends it to the log, and the leaf commits
 * to it. It is trusted only together with step 6b, inclusion under a
 * checkpoint named by a timestamp signed by a key valid now: a holder of an
 * expired key cannot mint objects the log never recorded. One signer must
 * have been listed for `feed`, inside its window and not yet revoked at
 * `createdAt`. No bound against the timestamp's `issuedAt`: a delta signed
 * while the Centre's clock ran fast is logged for good, and refusing it
 * would stop every lagging replica at it.
 */
export function checkSignedWhileValid(what: string, root: RootDocument, signers: readonly DelegatedKey[], purpose: string, createdAt: number): void {
  try {
    checkSignersAt(root, signers, purpose, createdAt);
  } catch (cause) {
    throw untrusted(`the ${what} made at ${instant(createdAt)}`, cause);
  }
}

/** 9.3 step 6b: the exact envelope applied is a leaf of the verified log. */
export function checkIncluded(kind: LeafKind, version: number, envelope: Uint8Array, { leafIndex, proof }: InclusionProof, head: TreeHead): void {
  try {
    verifyInclusion({ leafHash: hashLeaf(envelope), leafIndex, treeSize: head.size, proof, rootHash: head.rootHash });
  } catch (cause) {
    if (cause instanceof MerkleError) throw new SyncError('SYNC_NOT_IN_LOG', `the ${kind} of version ${version} is not in the log`, { cause });
    throw cause;
  }
}

/** A signed time for a message: a payload may carry up to 2^53 - 1 ms, beyond what Date can print. */
export function instant(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms after the epoch` : date.toISOString();
}
