import type { AppliedChange, Replica } from '../replica/replica.ts';
import { ReplicaError } from '../replica/replica.ts';
import { SyncError } from './errors.ts';
import type { FeedSource } from './feed-source.ts';
import type { FeedTimestamp } from '../../shared/wire/timestamp.ts';
import type { TrustedState } from '../replica/trusted-state.ts';
import { isNoAccess, isRevokedSigner, type Accepted, type TrustedStore, type TreeHead } from './trusted-store/index.ts';
import type { Delta } from '../../shared/wire/delta.ts';
import { DEFAULT_MAX_ROOT_ROTATIONS, TrustError } from '../../shared/trust/index.ts';
import { MAX_ROOT_LIST_LENGTH } from '../../shared/wire/delta-chain.ts';

/** A round's verified freshness statement and the tree head it names. */
interface VerifiedHead {
  readonly timestamp: FeedTimestamp;
  readonly tree: TreeHead;
}

export interface SyncerDeps {
  readonly source: FeedSource;
  readonly replica: Replica;
  /** Decides what is trusted: the syncer fetches and hands it bytes. */
  readonly store: TrustedStore;
  readonly clock: () => number;
  /** Called after each committed change, to update the in-memory index from the same data; awaited before the next. */
  readonly onApplied: (change: AppliedChange) => void | Promise<void>;
  /** Security-relevant events (digest mismatch, split view, freeze) for the operator's alerting. */
  readonly alert: (code: string, message: string) => void;
  /**
   * PROTOCOL 13.4: after the root update and before any feed object, the
   * round's access check (fetch the access list, let the store judge it):
   * the reason this sidecar has no access, or null to go on. Without it
   * (or null), the round goes on; sealed objects then open only with keys
   * the store holds.
   */
  readonly checkAccess?: () => Promise<string | null>;
}

export interface SyncOutcome {
  readonly version: number;
  readonly appliedDeltas: number;
  readonly snapshot: boolean;
  /** The source's polling hint, when it gave one. */
  readonly minimumWaitSeconds?: number;
  /** Set when the round fetched no feed object because this sidecar has no access (PROTOCOL 13.4): the reason. */
  readonly noAccess?: string;
}

/**
 * One sync round, in the order of docs/PROTOCOL.md 9.3 (after TUF's client
 * workflow): root update, timestamp, tree head, then deltas or a snapshot.
 * The syncer only fetches and applies: every object goes through the
 * trusted store before it is decoded or applied. Any failure leaves the
 * replica at its last good version, still serving.
 */
export class Syncer {
  readonly #deps: SyncerDeps;

  constructor(deps: SyncerDeps) {
    this.#deps = deps;
  }

  /** The last verified timestamp's issuedAt minus the local clock (TrustedStore.clockSkewMs). */
  get clockSkewMs(): number | undefined {
    return this.#deps.store.clockSkewMs;
  }

  /** 9.3 step 1 alone: fetch the root versions after the trusted one and let the store walk them (also before an order refresh, when no root is trusted yet). */
  async updateRoot(): Promise<void> {
    const { source, store } = this.#deps;
    const start = store.rootVersion;
    // The Centre answers in pages (PROTOCOL 4.3): ask again from the last version walked while one advances, up to the
    // 256 versions one update walks. Before the anchor, a page without it is skipped (a pin may name a later version's keys).
    let since = start;
    while (since - start < DEFAULT_MAX_ROOT_ROTATIONS && since < MAX_ROOT_LIST_LENGTH) {
      const page = await source.roots(since);
      try {
        store.acceptRoots(page);
      } catch (err) {
        const notAnchored = err instanceof SyncError && err.cause instanceof TrustError && err.cause.code === 'ROOT_NOT_ANCHORED';
        if (!notAnchored || page.length === 0 || store.root !== null) throw err;
        since += page.length;
        continue;
      }
      if (page.length === 0 || store.rootVersion === since) return;
      since = store.rootVersion;
    }
  }

  async syncOnce(): Promise<SyncOutcome> {
    const { source, replica, store, clock } = this.#deps;
    const now = clock();

    await this.updateRoot();
    const noAccess = (await this.#deps.checkAccess?.()) ?? null;
    // PROTOCOL 13.4: no access syncs nothing; the replica keeps serving what it holds.
    if (noAccess !== null) return { version: replica.state().version, appliedDeltas: 0, snapshot: false, noAccess };
    let head = await this.#verifyHead(replica.state(), now);
    const target = head.timestamp.version;

    let appliedDeltas = 0;
    let snapshot = false;
    let minimumWaitSeconds: number | undefined;
    const required = store.snapshotRequired;
    if (required !== null) {
      this.#deps.alert('SYNC_FEED_KEY_REVOKED', `${required}; re-bootstrapping from a snapshot`);
      head = await this.#bootstrap(head, now);
      snapshot = true;
    }
    while (replica.state().version < target) {
      const version = replica.state().version;
      const batch = await source.deltas(version, target);
      minimumWaitSeconds = batch.minimumWaitSeconds ?? minimumWaitSeconds;
      if (batch.snapshotAdvised || batch.envelopes.length === 0) {
        if (snapshot) throw new SyncError('SYNC_MALFORMED', `the source offers no way from version ${version} to ${target}`);
        head = await this.#bootstrap(head, now);
        snapshot = true;
        continue;
      }
      for (const envelope of batch.envelopes) {
        let accepted: Accepted<Delta>;
        try {
          accepted = await store.acceptDelta(envelope, replica.state().version, head.timestamp);
        } catch (err) {
          // PROTOCOL 4.7: a lagging replica whose next delta's key was revoked by then takes the snapshot once (signed by a good key, or refused too).
          // PROTOCOL 13.6 step 3: so does one whose next delta is sealed under an epoch it holds no key of (the snapshot is under the current one).
          if (snapshot || !(isRevokedSigner(err) || isNoAccess(err))) throw err;
          // 13.6 step 3: not the whole feed again when no key held could open the snapshot either.
          if (isNoAccess(err) && !store.snapshotMayOpenAfter(err)) throw err;
          if (isRevokedSigner(err)) this.#deps.alert('SYNC_FEED_KEY_REVOKED', `${err instanceof Error ? err.message : ''}; re-bootstrapping from a snapshot`);
          head = await this.#bootstrap(head, now);
          snapshot = true;
          break;
        }
        const delta = accepted.value;
        store.checkIncluded('delta', delta.version, envelope, await source.inclusionProof('delta', delta.version, head.tree.size), head.tree);
        try {
          const change = await replica.applyDeltaInSlices(await replica.prepareDelta(delta), { signedBy: store.signedBy(accepted.signers, delta.createdAt) });
          await this.#deps.onApplied(change);
          appliedDeltas++;
        } catch (err) {
          if (!(err instanceof ReplicaError)) throw err;
          // Safe Browsing's rule: a replica that cannot reach the signed digest is discarded for a full update.
          this.#deps.alert('SYNC_DIGEST_MISMATCH', `${err.message}; re-bootstrapping from a snapshot`);
          head = await this.#bootstrap(head, now);
          snapshot = true;
          break;
        }
      }
    }
    replica.recordHead(head.tree, head.timestamp);
    replica.recordSuccess(now);
    return { version: replica.state().version, appliedDeltas, snapshot, ...(minimumWaitSeconds !== undefined ? { minimumWaitSeconds } : {}) };
  }

  /** Steps 2, 3 and 6a: the signed timestamp, then the tree head it names, each checked by the store against what was trusted before. */
  async #verifyHead(trusted: TrustedState, now: number): Promise<VerifiedHead> {
    const { source, store } = this.#deps;
    const timestamp = store.acceptTimestamp(await source.timestamp(), now, trusted);
    const tree = await store.acceptCheckpoint(await source.checkpoint(), timestamp, now, (from, to) => source.consistencyProof(from, to), trusted);
    return { timestamp, tree };
  }

  /**
   * Replaces the replica with a verified snapshot. The head is verified
   * again afterwards (consistent with the one this round started from) and
   * the snapshot's inclusion is proved against the newer head: a
   * publication may land in between, and an older Centre logged a
   * snapshot only when first asked for it.
   */
  async #bootstrap(head: VerifiedHead, now: number): Promise<VerifiedHead> {
    const { source, replica, store } = this.#deps;
    const envelope = await source.snapshot(head.timestamp.version);
    const { value: snapshot, signers } = await store.acceptSnapshot(envelope, replica.state().version, head.timestamp);
    const seen: TrustedState = {
      ...replica.state(),
      checkpoint: head.tree,
      timestamp: { version: head.timestamp.version, issuedAt: head.timestamp.issuedAt, expires: head.timestamp.expires },
    };
    const newer = await this.#verifyHead(seen, now);
    store.checkIncluded('snapshot', snapshot.version, envelope, await source.inclusionProof('snapshot', snapshot.version, newer.tree.size), newer.tree);
    let change: AppliedChange;
    try {
      change = await replica.replaceWithSnapshotInSlices(await replica.prepareSnapshot(snapshot), { signedBy: store.signedBy(signers, snapshot.createdAt) });
    } catch (err) {
      if (err instanceof ReplicaError) throw new SyncError('SYNC_DIGEST_MISMATCH', `the signed snapshot of version ${snapshot.version} does not match its own digest`, { cause: err });
      throw err;
    }
    await this.#deps.onApplied(change);
    return newer;
  }
}
