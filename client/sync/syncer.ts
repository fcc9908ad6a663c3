import type { AppliedChange, Replica } from '../replica/replica.ts';
import { ReplicaError } from '../replica/replica.ts';
import { SyncError } from './errors.ts';
import type { FeedSource } from './feed-source.ts';
import {
  checkFollows,
  checkIncluded,
  checkNoRollback,
  checkNotExpired,
  checkNotFromFuture,
  checkRecordedWhileCertified,
  verifyCertificates,
  verifyDelta,
  verifySnapshot,
  verifyTimestamp,
  verifyTreeHead,
  type CertifiedKeys,
  type TreeHead,
} from './verify.ts';
import type { FeedTimestamp } from '../../shared/wire/timestamp.ts';
import { DEFAULT_MAX_CLOCK_SKEW_MS, type TrustedState } from '../replica/trusted-state.ts';

/** A round's verified freshness statement and the tree head it names. */
interface VerifiedHead {
  readonly timestamp: FeedTimestamp;
  readonly tree: TreeHead;
}

export interface SyncerDeps {
  readonly source: FeedSource;
  readonly replica: Replica;
  /** The pinned root verifier key string: the only key the sidecar trusts a priori. */
  readonly rootKey: string;
  readonly feed: string;
  readonly clock: () => number;
  /** A timestamp issued further ahead of `clock` than this is refused (SYNC_FROM_FUTURE); default 5 minutes. */
  readonly maxClockSkewMs?: number;
  /** Called after each committed change, to update the in-memory index from the same data; awaited before the next. */
  readonly onApplied: (change: AppliedChange) => void | Promise<void>;
  /** Security-relevant events (digest mismatch, split view, freeze) for the operator's alerting. */
  readonly alert: (code: string, message: string) => void;
}

export interface SyncOutcome {
  readonly version: number;
  readonly appliedDeltas: number;
  readonly snapshot: boolean;
  /** The source's polling hint, when it gave one. */
  readonly minimumWaitSeconds?: number;
}

/**
 * One sync round, in the order of docs/PROTOCOL.md 9.3 (after TUF's client
 * workflow): keys, timestamp, tree head, then deltas or a snapshot, each
 * verified before it is decoded and applied. Any failure leaves the replica
 * at its last good version, still serving.
 */
export class Syncer {
  readonly #deps: SyncerDeps;

  constructor(deps: SyncerDeps) {
    this.#deps = deps;
  }

  /** The certificates verified in the last round (for other signed objects, such as detection orders). */
  get certificates(): readonly Uint8Array[] {
    return this.#certificates;
  }

  #certificates: readonly Uint8Array[] = [];

  /**
   * The last verified timestamp's issuedAt minus the local clock when it
   * arrived (ms), accepted or not; undefined before the first. Negative by up
   * to the Centre's re-signing interval when the clocks agree; a large
   * positive value is a Centre clock that runs ahead (or a local one behind).
   */
  get clockSkewMs(): number | undefined {
    return this.#clockSkewMs;
  }

  #clockSkewMs: number | undefined;

  async syncOnce(): Promise<SyncOutcome> {
    const { source, replica, rootKey, feed, clock } = this.#deps;
    const now = clock();

    const keys = verifyCertificates(await source.keys(), rootKey);
    this.#certificates = keys.certificates;
    let head = await this.#verifyHead(keys, replica.state(), now);
    const target = head.timestamp.version;

    let appliedDeltas = 0;
    let snapshot = false;
    let minimumWaitSeconds: number | undefined;
    while (replica.state().version < target) {
      const version = replica.state().version;
      const batch = await source.deltas(version, target);
      minimumWaitSeconds = batch.minimumWaitSeconds ?? minimumWaitSeconds;
      if (batch.snapshotAdvised || batch.envelopes.length === 0) {
        if (snapshot) throw new SyncError('SYNC_MALFORMED', `the source offers no way from version ${version} to ${target}`);
        head = await this.#bootstrap(keys, head, now);
        snapshot = true;
        continue;
      }
      for (const envelope of batch.envelopes) {
        const { delta, signers } = verifyDelta(envelope, keys, feed);
        checkFollows(delta, replica.state().version, head.timestamp);
        checkRecordedWhileCertified(`delta ${delta.version}`, delta.createdAt, signers);
        await checkIncluded(source, 'delta', delta.version, envelope, head.tree);
        try {
          await this.#deps.onApplied(await replica.applyDeltaInSlices(await replica.prepareDelta(delta)));
          appliedDeltas++;
        } catch (err) {
          if (!(err instanceof ReplicaError)) throw err;
          // Safe Browsing's rule: a replica that cannot reach the signed digest is discarded for a full update.
          this.#deps.alert('SYNC_DIGEST_MISMATCH', `${err.message}; re-bootstrapping from a snapshot`);
          head = await this.#bootstrap(keys, head, now);
          snapshot = true;
          break;
        }
      }
    }
    replica.recordHead(head.tree, head.timestamp);
    replica.recordSuccess(now);
    return { version: replica.state().version, appliedDeltas, snapshot, ...(minimumWaitSeconds !== undefined ? { minimumWaitSeconds } : {}) };
  }

  /** Steps 2, 3 (3a-3c) and 6a: the signed timestamp, then the tree head it names, each checked against what was trusted before. */
  async #verifyHead(keys: CertifiedKeys, trusted: TrustedState, now: number): Promise<VerifiedHead> {
    const { source, feed } = this.#deps;
    const maxSkew = this.#deps.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    const timestamp = verifyTimestamp(await source.timestamp(), keys, feed, now);
    this.#clockSkewMs = timestamp.issuedAt - now;
    checkNotFromFuture(timestamp, now, maxSkew);
    checkNoRollback(timestamp, trusted, now, maxSkew);
    checkNotExpired(timestamp, now);
    const tree = await verifyTreeHead(source, await source.checkpoint(), keys, feed, timestamp, trusted, now);
    return { timestamp, tree };
  }

  /**
   * Replaces the replica with a verified snapshot. The head is verified
   * again afterwards (consistent with the one this round started from) and
   * the snapshot's inclusion is proved against the newer head: a
   * publication may land in between, and an older Centre logged a
   * snapshot only when first asked for it.
   */
  async #bootstrap(keys: CertifiedKeys, head: VerifiedHead, now: number): Promise<VerifiedHead> {
    const { source, replica, feed } = this.#deps;
    const envelope = await source.snapshot(head.timestamp.version);
    const { snapshot, signers } = verifySnapshot(envelope, keys, feed, replica.state().version, head.timestamp);
    const seen: TrustedState = {
      ...replica.state(),
      checkpoint: head.tree,
      timestamp: { version: head.timestamp.version, issuedAt: head.timestamp.issuedAt, expires: head.timestamp.expires },
    };
    const newer = await this.#verifyHead(keys, seen, now);
    checkRecordedWhileCertified(`snapshot ${snapshot.version}`, snapshot.createdAt, signers);
    await checkIncluded(source, 'snapshot', snapshot.version, envelope, newer.tree);
    let change: AppliedChange;
    try {
      change = await replica.replaceWithSnapshotInSlices(await replica.prepareSnapshot(snapshot));
    } catch (err) {
      if (err instanceof ReplicaError) throw new SyncError('SYNC_DIGEST_MISMATCH', `the signed snapshot of version ${snapshot.version} does not match its own digest`, { cause: err });
      throw err;
    }
    await this.#deps.onApplied(change);
    return newer;
  }
}
