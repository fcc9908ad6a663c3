import { feedHashLayout } from '../../../shared/wire/hash-layout.ts';
import { decodeEnvelope, EnvelopeError, type VerifierKey } from '../../../shared/crypto/index.ts';
import { feedOrigin, NoteError, verifyCheckpoint } from '../../../shared/note/index.ts';
import {
  KEY_PURPOSES,
  TrustError,
  usableKeys,
  verifyArchivedObject,
  verifyFreshObject,
  walkRootChain,
  type DelegatedKey,
  type RootPin,
  type TrustedRoot,
} from '../../../shared/trust/index.ts';
import { ACCESS_PAYLOAD_TYPE, decodeAccessList, SEALED_DELTA_PAYLOAD_TYPE, SEALED_SNAPSHOT_PAYLOAD_TYPE, type AccessList } from '../../../shared/seal/index.ts';
import { decodeDelta, DELTA_PAYLOAD_TYPE, type Delta } from '../../../shared/wire/delta.ts';
import { WireError } from '../../../shared/wire/errors.ts';
import { decodeDecisionList, DECISIONS_PAYLOAD_TYPE, type DecisionList } from '../../../shared/wire/decision-list.ts';
import { decodeOrderList, ORDERS_PAYLOAD_TYPE, type OrderList } from '../../../shared/wire/order.ts';
import { decodeSnapshot, SNAPSHOT_PAYLOAD_TYPE, type Snapshot } from '../../../shared/wire/snapshot.ts';
import { decodeTimestamp, TIMESTAMP_PAYLOAD_TYPE, type FeedTimestamp } from '../../../shared/wire/timestamp.ts';
import type { AccessRing } from '../../access/access-ring.ts';
import { AccessError } from '../../access/errors.ts';
import type { DecisionBook } from '../../decisions/decision-book.ts';
import { DecisionsError } from '../../decisions/errors.ts';
import { PolicyError } from '../../policy/errors.ts';
import type { OrderSet } from '../../policy/order-set.ts';
import type { Replica } from '../../replica/replica.ts';
import type { SignedBy } from '../../replica/trust-record.ts';
import { DEFAULT_MAX_CLOCK_SKEW_MS, type TrustedState } from '../../replica/trusted-state.ts';
import { SyncError } from '../errors.ts';
import type { InclusionProof, LeafKind } from '../feed-source.ts';
import { checkAccessFresh, checkAccessScope, openAccessKeys } from './access-rules.ts';
import { loadTrustedRoot, pinText, revocationEffects } from './root-state.ts';
import { checkAgreesWithHeader, decodeSealed, openSealed, snapshotMayOpen } from './sealed-rules.ts';
import {
  checkExtendsHeldHead,
  checkFeed,
  checkFollows,
  checkIncluded,
  checkNoRollback,
  checkNotExpired,
  checkNotFromFuture,
  checkRootNotWithheld,
  checkSignedWhileValid,
  checkSnapshotVersion,
  checkWitnessQuorum,
  decoded,
  untrusted,
  type TreeHead,
} from './rules.ts';


export interface TrustedStoreOptions {
  /** Where the trusted root and the state it guards are persisted. */
  readonly replica: Replica;
  /** What the operator pinned: root keys and their threshold (config `rootKey`, or `rootKeys` + `rootThreshold`). */
  readonly pin: RootPin;
  readonly feed: string;
  /** A signed issuedAt further ahead of the local clock than this is refused; default 5 minutes. */
  readonly maxClockSkewMs?: number;
  /** Security-relevant events (revocation effects) for the operator's alerting. */
  readonly alert?: (code: string, message: string) => void;
  /** The epoch keys this sidecar holds (PROTOCOL 13.4); without it, every sealed object is SYNC_NO_ACCESS. */
  readonly access?: AccessRing;
  /** Witness verifier keys (type 0x04, distinct) whose cosignatures count towards `witnessQuorum`. */
  readonly witnesses?: readonly VerifierKey[];
  /** How many of `witnesses` must have cosigned a checkpoint for it to be accepted; default 0 (none). */
  readonly witnessQuorum?: number;
}

/** A verified archived object and the listed keys whose signatures verified. */
export interface Accepted<T> {
  readonly value: T;
  readonly signers: readonly DelegatedKey[];
}

/** An order list the store accepted (or found already held). */
export interface OrderUpdate {
  readonly list: OrderList;
  /** False when the Centre sent the list already held (same issuedAt). */
  readonly changed: boolean;
}

/** An access list the store accepted (or found already held). */
export interface AccessUpdate {
  readonly list: AccessList;
  /** False when the Centre sent the list already held (same issuedAt). */
  readonly changed: boolean;
}

/**
 * The one owner of the sidecar's trust decisions (after tuf-js's
 * TrustedMetadataStore; STYLE 14): it alone accepts a root, a timestamp, a
 * checkpoint, a delta, a snapshot (plaintext or sealed), an order list, a
 * decisions list and an access list, each from unverified bytes, under the
 * rules of docs/PROTOCOL.md 9.3, 10.3, 12.3 and 13 (rules.ts,
 * sealed-rules.ts, access-rules.ts) and section 4 (shared/trust).
 * Fetchers only fetch and hand it bytes; whatever it refuses changes
 * nothing held.
 */
export class TrustedStore {
  readonly #replica: Replica;
  readonly #pin: RootPin;
  readonly #feed: string;
  readonly #maxClockSkewMs: number;
  readonly #alert: (code: string, message: string) => void;
  readonly #access: AccessRing | undefined;
  readonly #witnesses: readonly VerifierKey[];
  readonly #witnessQuorum: number;
  #root: TrustedRoot | null;
  #clockSkewMs: number | undefined;

  constructor(options: TrustedStoreOptions) {
    this.#replica = options.replica;
    this.#pin = options.pin;
    this.#feed = options.feed;
    this.#maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    this.#alert = options.alert ?? (() => undefined);
    this.#access = options.access;
    this.#witnesses = options.witnesses ?? [];
    this.#witnessQuorum = options.witnessQuorum ?? 0;
    if (!Number.isSafeInteger(this.#witnessQuorum) || this.#witnessQuorum < 0 || this.#witnessQuorum > this.#witnesses.length) {
      throw new RangeError('witnessQuorum must be an integer from 0 to the number of witnesses');
    }
    this.#root = loadTrustedRoot(options.replica.trust, options.pin);
  }

  /** The trusted root, null until the first root update anchors one from the pin. */
  get root(): TrustedRoot | null {
    return this.#root;
  }

  /** The version to ask the root chain after (`GET /v1/feed/keys?since=`): 0 before the anchor. */
  get rootVersion(): number {
    return this.#root?.document.version ?? 0;
  }

  /**
   * The last verified timestamp's issuedAt minus the local clock when it
   * arrived (ms), accepted or not; undefined before the first. A large
   * positive value is a Centre clock that runs ahead (or a local one behind).
   */
  get clockSkewMs(): number | undefined {
    return this.#clockSkewMs;
  }

  /** Why the next round must re-bootstrap from a snapshot (PROTOCOL 4.7), or null. */
  get snapshotRequired(): string | null {
    return this.#replica.trust.snapshotRequired();
  }

  /**
   * 9.3 step 1 (PROTOCOL 4.3; TUF 5.3): `envelopes` are the source's root
   * versions after `rootVersion` (all of them, from 1, before the anchor).
   * Without a trusted root, the first one signed by the pin's threshold is
   * the anchor; each next one must be signed by a threshold of its
   * predecessor's root keys and of its own, carry the next version and the
   * same feed, and keep every revocation. The result is persisted with its
   * effects on what is held (4.7): a revoked or dropped timestamp key drops
   * the held timestamp; a revoked feed key that signed what the replica
   * applied at or after its revokedAt makes the next round re-bootstrap.
   * Errors: SYNC_UNTRUSTED (cause: TrustError ROOT_*), SYNC_WRONG_FEED.
   */
  acceptRoots(envelopes: readonly Uint8Array[]): TrustedRoot {
    const previous = this.#root;
    let root: TrustedRoot;
    let walked: readonly TrustedRoot[];
    try {
      ({ root, walked } = walkRootChain(this.#pin, previous, envelopes));
    } catch (cause) {
      throw untrusted('root chain', cause);
    }
    if (walked.length === 0) return root;
    checkFeed(root.document.feed, this.#feed);
    const effects = revocationEffects(previous?.document ?? null, root.document, this.#replica.trust.signers());
    this.#replica.trust.saveRoot({ envelope: root.envelope, version: root.document.version, pin: pinText(this.#pin) }, effects);
    this.#root = root;
    if (effects.dropTimestamp) this.#alert('SYNC_TIMESTAMP_KEY_REVOKED', `root ${root.document.version} revokes a timestamp key: the held timestamp no longer guards rollback`);
    else if (effects.dropHead) this.#alert('SYNC_CHECKPOINT_KEY_REVOKED', `root ${root.document.version} revokes a checkpoint key: the held tree head no longer stands for the log`);
    if (effects.snapshotRequired !== null) this.#alert('SYNC_FEED_KEY_REVOKED', `${effects.snapshotRequired}; re-bootstrapping from a snapshot`);
    return root;
  }

  /**
   * 9.3 steps 2 and 3: a timestamp signed by a key the trusted root lists
   * for `timestamp`, valid and unrevoked now (4.4, 4.5); for the pinned
   * feed; naming no root newer than the one trusted (SYNC_ROOT_WITHHELD);
   * not from the future (3c), no rollback (3a), not expired (3b). `trusted`
   * is what it must not roll back from: the replica's state, or the head
   * verified earlier in the same round.
   */
  acceptTimestamp(envelope: Uint8Array, now: number, trusted: TrustedState = this.#replica.state()): FeedTimestamp {
    const root = this.#requireRoot();
    let payload: Uint8Array;
    try {
      payload = verifyFreshObject(envelope, TIMESTAMP_PAYLOAD_TYPE, root.document, KEY_PURPOSES.timestamp, now, envelope.byteLength).payload;
    } catch (cause) {
      throw untrusted(`${TIMESTAMP_PAYLOAD_TYPE} envelope`, cause);
    }
    const timestamp = decoded('timestamp', () => decodeTimestamp(payload));
    checkFeed(timestamp.feed, this.#feed);
    this.#clockSkewMs = timestamp.issuedAt - now;
    checkRootNotWithheld(timestamp, root.document);
    checkNotFromFuture(timestamp, now, this.#maxClockSkewMs);
    checkNoRollback(timestamp, trusted, now, this.#maxClockSkewMs);
    checkNotExpired(timestamp, now);
    return timestamp;
  }

  /**
   * 9.3 step 6a: the checkpoint is signed by a key the trusted root lists for
   * `checkpoint` (named after the log origin), usable now (4.4, 4.5); with
   * a witness quorum, enough configured witnesses cosigned its body
   * (SYNC_WITNESS_QUORUM); it states the timestamp's tree head and extends
   * the one held (split view). A refusal changes nothing held: the replica
   * keeps its last good version until its timestamp expires (stale).
   */
  async acceptCheckpoint(
    note: string,
    timestamp: FeedTimestamp,
    now: number,
    consistencyProof: (from: number, to: number) => Promise<readonly Uint8Array[]>,
    trusted: TrustedState = this.#replica.state(),
  ): Promise<TreeHead> {
    const root = this.#requireRoot();
    let head: TreeHead | undefined;
    for (const key of usableKeys(root.document, KEY_PURPOSES.checkpoint, now)) {
      try {
        const { checkpoint } = verifyCheckpoint(note, { origin: feedOrigin(this.#feed), logKey: key.verifierKey });
        head = { size: checkpoint.size, rootHash: checkpoint.rootHash, note };
        break;
      } catch (cause) {
        if (!(cause instanceof NoteError)) throw cause;
      }
    }
    if (head === undefined) throw new SyncError('SYNC_UNTRUSTED', `the checkpoint is not signed by a key root ${root.document.version} lists for 'checkpoint' now`);
    checkWitnessQuorum(note, this.#witnesses, this.#witnessQuorum);
    await checkExtendsHeldHead(head, timestamp, trusted, consistencyProof);
    return head;
  }

  /**
   * 9.3 steps 2c and 4: a delta signed by a key listed for `feed` (4.4),
   * for the pinned feed, following the replica exactly and not beyond the
   * timestamp, and signed while its key was valid and unrevoked (judged at
   * its createdAt, 4.6). A sealed delta (13.6) passes the same checks on its
   * signed header, then opens under its epoch's key (SYNC_NO_ACCESS,
   * SYNC_SEAL_BROKEN) and must agree with the header. Inclusion (step 6b,
   * of these exact bytes, sealed or not) is `checkIncluded`.
   */
  async acceptDelta(envelope: Uint8Array, replicaVersion: number, timestamp: FeedTimestamp): Promise<Accepted<Delta>> {
    const root = this.#requireRoot();
    if (payloadTypeOf(envelope) !== SEALED_DELTA_PAYLOAD_TYPE) {
      const { payload, signers } = this.#archived(envelope, DELTA_PAYLOAD_TYPE, root);
      const delta = decoded('delta', () => decodeDelta(payload, feedHashLayout, payload.byteLength));
      checkFeed(delta.feed, this.#feed);
      checkFollows(delta, replicaVersion, timestamp);
      checkSignedWhileValid(`delta ${delta.version}`, root.document, signers, KEY_PURPOSES.feed, delta.createdAt);
      return { value: delta, signers };
    }
    // 13.6 step 1: the sealed envelope under a feed key; step 2: its header, as 9.3 judges a delta.
    const { payload, signers } = this.#archived(envelope, SEALED_DELTA_PAYLOAD_TYPE, root);
    const sealed = decodeSealed('delta', payload);
    checkFeed(sealed.feed, this.#feed);
    checkFollows({ version: sealed.version, previous: sealed.previous ?? -1 }, replicaVersion, timestamp);
    checkSignedWhileValid(`sealed delta ${sealed.version}`, root.document, signers, KEY_PURPOSES.feed, sealed.createdAt);
    // Steps 3 to 5: the epoch's key, the ciphertext, the inner delta and its agreement with the header.
    const inner = await openSealed(sealed, this.#access?.keyFor(sealed.epoch));
    const delta = decoded('delta', () => decodeDelta(inner, feedHashLayout, inner.byteLength));
    checkAgreesWithHeader(sealed, delta);
    return { value: delta, signers };
  }

  /** 9.3 steps 2c and 4 for a snapshot, plaintext or sealed (13.6): as a delta, but it may equal the replica's version (a re-bootstrap). */
  async acceptSnapshot(envelope: Uint8Array, replicaVersion: number, timestamp: FeedTimestamp): Promise<Accepted<Snapshot>> {
    const root = this.#requireRoot();
    if (payloadTypeOf(envelope) !== SEALED_SNAPSHOT_PAYLOAD_TYPE) {
      const { payload, signers } = this.#archived(envelope, SNAPSHOT_PAYLOAD_TYPE, root);
      const snapshot = decoded('snapshot', () => decodeSnapshot(payload, feedHashLayout, payload.byteLength));
      checkFeed(snapshot.feed, this.#feed);
      checkSnapshotVersion(snapshot.version, replicaVersion, timestamp);
      checkSignedWhileValid(`snapshot ${snapshot.version}`, root.document, signers, KEY_PURPOSES.feed, snapshot.createdAt);
      return { value: snapshot, signers };
    }
    const { payload, signers } = this.#archived(envelope, SEALED_SNAPSHOT_PAYLOAD_TYPE, root);
    const sealed = decodeSealed('snapshot', payload);
    checkFeed(sealed.feed, this.#feed);
    checkSnapshotVersion(sealed.version, replicaVersion, timestamp);
    checkSignedWhileValid(`sealed snapshot ${sealed.version}`, root.document, signers, KEY_PURPOSES.feed, sealed.createdAt);
    const inner = await openSealed(sealed, this.#access?.keyFor(sealed.epoch));
    const snapshot = decoded('snapshot', () => decodeSnapshot(inner, feedHashLayout, inner.byteLength));
    checkAgreesWithHeader(sealed, snapshot);
    return { value: snapshot, signers };
  }

  /**
   * 13.6 step 3, after a delta was refused with SYNC_NO_ACCESS: whether a
   * key is held under which the latest snapshot may be sealed (one of a
   * later epoch than the delta's). False: the snapshot is not worth fetching.
   */
  snapshotMayOpenAfter(refusal: unknown): boolean {
    return snapshotMayOpen(refusal, this.#access?.epochs ?? []);
  }

  /** 9.3 step 6b: the exact envelope accepted is a leaf of the verified log (SYNC_NOT_IN_LOG). */
  checkIncluded(kind: LeafKind, version: number, envelope: Uint8Array, proof: InclusionProof, head: TreeHead): void {
    checkIncluded(kind, version, envelope, proof, head);
  }

  /**
   * What the replica records with an accepted object, in the transaction
   * that writes it (Replica's `signedBy`): the feed keys that signed it and
   * its createdAt, so that a later revocation knows what it taints (4.7).
   */
  signedBy(signers: readonly DelegatedKey[], createdAt: number): SignedBy {
    return { keys: signers.map((s) => s.verifierKey.text), createdAt };
  }

  /** As `signedBy`, recorded on its own (for an object written without it). */
  recordApplied(signers: readonly DelegatedKey[], createdAt: number): void {
    const { keys } = this.signedBy(signers, createdAt);
    this.#replica.trust.recordSigned(keys, createdAt);
  }

  /**
   * 10.3 steps 2 to 5: an order list signed by a key the trusted root lists
   * for `provider-list`, valid and unrevoked now (4.4, 4.5), before anything
   * is decoded; then the held list's rules (OrderSet.accept, called from
   * here only): this provider's (ORDERS_WRONG_PROVIDER), not from the future
   * (ORDERS_FROM_FUTURE), no rollback (ORDERS_ROLLBACK). ORDERS_UNTRUSTED
   * for a bad or misused signature, or before any root is trusted.
   */
  acceptOrderList(envelope: Uint8Array, orders: OrderSet, now: number): OrderUpdate {
    const payload = this.#providerList(envelope, ORDERS_PAYLOAD_TYPE, now, (code, message, cause) => new PolicyError(code === 'malformed' ? 'ORDERS_MALFORMED' : 'ORDERS_UNTRUSTED', message, { cause }));
    let list: OrderList;
    try {
      list = decodeOrderList(payload);
    } catch (cause) {
      if (cause instanceof WireError) throw new PolicyError('ORDERS_MALFORMED', `order list: ${cause.message}`, { cause });
      throw cause;
    }
    return { list, changed: orders.accept(list, envelope, payload, now) };
  }

  /**
   * 4.7 for the order list held: a freshness object is judged now, so once
   * the trusted root revokes (or no longer lists) the `provider-list` key
   * that signed it, it authorises nothing more (as a held timestamp stops
   * guarding rollback, TUF 5.3.11), even if no newer list can be fetched.
   * Returns true when it dropped the orders.
   */
  checkHeldOrderList(orders: OrderSet, now: number): boolean {
    const envelope = orders.heldEnvelope;
    const root = this.#root;
    if (envelope === undefined || root === null) return false;
    try {
      verifyFreshObject(envelope, ORDERS_PAYLOAD_TYPE, root.document, KEY_PURPOSES.providerList, now, envelope.byteLength);
      return false;
    } catch (cause) {
      if (!(cause instanceof TrustError) || (cause.code !== 'SIGNER_REVOKED' && cause.code !== 'SIGNER_NOT_LISTED')) return false;
      orders.dropOrders();
      this.#alert('ORDERS_KEY_REVOKED', `root ${root.document.version} withdraws the key that signed the order list held (${cause.message}): no order applies until the next list`);
      return true;
    }
  }

  /**
   * 13.4 steps 2 to 7: an access list signed by a key the trusted root lists
   * for `provider-list`, valid and unrevoked now (4.4, 4.5), before anything
   * is decoded (ACCESS_UNTRUSTED, ACCESS_MALFORMED); decoded with the strict
   * guard (ACCESS_MALFORMED); this provider's and feed's (ACCESS_WRONG_PROVIDER,
   * ACCESS_WRONG_FEED); not from the future (ACCESS_FROM_FUTURE), no
   * rollback (ACCESS_ROLLBACK; an equal issuedAt is a no-op); every wrap for
   * this sidecar's key opens (ACCESS_UNWRAP_FAILED) to the committed key
   * (ACCESS_KEY_MISMATCH). Then the ring persists the list and holds the keys
   * in memory. A refused list changes nothing held.
   */
  async acceptAccessList(envelope: Uint8Array, now: number): Promise<AccessUpdate> {
    const ring = this.#requireAccess();
    const list = this.#verifiedAccessList(envelope, now);
    checkAccessScope(list, ring.provider, this.#feed);
    if (!checkAccessFresh(list, ring.list, now, this.#maxClockSkewMs) && ring.heldEnvelope !== undefined) return { list, changed: false };
    ring.hold(list, envelope, await openAccessKeys(list, ring), now);
    return { list, changed: true };
  }

  /**
   * At start: the list an earlier run persisted is judged again as if it had
   * just arrived (its signer usable now under the trusted root, its scope,
   * its wraps), since its keys were never written down. A list that no
   * longer passes gives no keys (fail closed) until the next one.
   */
  async restoreAccessList(now: number): Promise<void> {
    const ring = this.#access;
    const envelope = ring?.persistedEnvelope;
    if (ring === undefined || envelope === undefined) return;
    try {
      const list = this.#verifiedAccessList(envelope, now);
      checkAccessScope(list, ring.provider, this.#feed);
      ring.restore(list, envelope, await openAccessKeys(list, ring));
    } catch (cause) {
      if (!(cause instanceof AccessError)) throw cause;
      ring.withdraw();
      this.#alert(cause.code, `the access list held is no longer usable (${cause.message}): no epoch key until the next list`);
    }
  }

  /**
   * 4.7 for the access list held, as checkHeldOrderList for orders: once the
   * trusted root revokes (or no longer lists) the `provider-list` key that
   * signed it, its keys open nothing more, even if no newer list can be
   * fetched. Returns true when it withdrew them.
   */
  checkHeldAccessList(now: number): boolean {
    const ring = this.#access;
    const envelope = ring?.heldEnvelope;
    const root = this.#root;
    if (ring === undefined || envelope === undefined || root === null) return false;
    try {
      verifyFreshObject(envelope, ACCESS_PAYLOAD_TYPE, root.document, KEY_PURPOSES.providerList, now, envelope.byteLength);
      return false;
    } catch (cause) {
      if (!(cause instanceof TrustError) || (cause.code !== 'SIGNER_REVOKED' && cause.code !== 'SIGNER_NOT_LISTED')) return false;
      ring.withdraw();
      this.#alert('ACCESS_KEY_REVOKED', `root ${root.document.version} withdraws the key that signed the access list held (${cause.message}): no epoch key until the next list`);
      return true;
    }
  }

  /** 13.4 steps 2 and 3: the payload once a `provider-list` key usable now signed it, decoded with the strict guard. */
  #verifiedAccessList(envelope: Uint8Array, now: number): AccessList {
    const payload = this.#providerList(envelope, ACCESS_PAYLOAD_TYPE, now, (code, message, cause) => new AccessError(code === 'malformed' ? 'ACCESS_MALFORMED' : 'ACCESS_UNTRUSTED', message, { cause }));
    try {
      return decodeAccessList(payload);
    } catch (cause) {
      if (cause instanceof WireError) throw new AccessError('ACCESS_MALFORMED', `access list: ${cause.message}`, { cause });
      throw cause;
    }
  }

  #requireAccess(): AccessRing {
    if (this.#access === undefined) throw new AccessError('ACCESS_UNTRUSTED', 'this sidecar holds no encryption key to open an access list with');
    return this.#access;
  }

  /**
   * 12.3 steps 2 to 7: a decisions list signed by a key the trusted root
   * lists for `provider-list`, valid and unrevoked now (4.4, 4.5), before
   * anything is decoded; then the held list's rules (DecisionBook.accept,
   * called from here only): this provider's (DECISIONS_WRONG_PROVIDER), not
   * from the future (DECISIONS_FROM_FUTURE), no rollback
   * (DECISIONS_ROLLBACK), starting at the cursor held
   * (DECISIONS_OUT_OF_SEQUENCE). DECISIONS_UNTRUSTED for a bad or misused
   * signature, or before any root is trusted.
   */
  acceptDecisionList(envelope: Uint8Array, book: DecisionBook, now: number): DecisionList {
    const payload = this.#providerList(envelope, DECISIONS_PAYLOAD_TYPE, now, (code, message, cause) => new DecisionsError(code === 'malformed' ? 'DECISIONS_MALFORMED' : 'DECISIONS_UNTRUSTED', message, { cause }));
    let list: DecisionList;
    try {
      list = decodeDecisionList(payload);
    } catch (cause) {
      if (cause instanceof WireError) throw new DecisionsError('DECISIONS_MALFORMED', `decisions list: ${cause.message}`, { cause });
      throw cause;
    }
    book.accept(list, now);
    return list;
  }

  /**
   * 10.3 and 12.3 step 2 for any list scoped to one provider (orders,
   * decisions): the payload, once a `provider-list` key usable now signed
   * it. `refusal` makes the list's own error (ORDERS_*, DECISIONS_*).
   */
  #providerList(envelope: Uint8Array, payloadType: string, now: number, refusal: (code: 'untrusted' | 'malformed', message: string, cause?: unknown) => Error): Uint8Array {
    const root = this.#root;
    if (root === null) throw refusal('untrusted', `${payloadType}: no root is trusted yet (the first feed round anchors it from the pin)`);
    try {
      return verifyFreshObject(envelope, payloadType, root.document, KEY_PURPOSES.providerList, now, envelope.byteLength).payload;
    } catch (cause) {
      if (cause instanceof EnvelopeError || cause instanceof TrustError) {
        throw refusal(cause.code === 'ENVELOPE_MALFORMED' ? 'malformed' : 'untrusted', `${payloadType}: ${cause.message}`, cause);
      }
      throw cause;
    }
  }

  #requireRoot(): TrustedRoot {
    if (this.#root === null) throw new SyncError('SYNC_UNTRUSTED', 'no root is trusted yet: the root update (PROTOCOL 9.3 step 1) comes first');
    return this.#root;
  }

  #archived(envelope: Uint8Array, payloadType: string, root: TrustedRoot): { payload: Uint8Array; signers: readonly DelegatedKey[] } {
    try {
      return verifyArchivedObject(envelope, payloadType, root.document, KEY_PURPOSES.feed, envelope.byteLength);
    } catch (cause) {
      throw untrusted(`${payloadType} envelope`, cause);
    }
  }
}

/** The payload type an envelope claims, read to pick the rules that verify it (nothing is trusted from it). */
function payloadTypeOf(envelope: Uint8Array): string {
  try {
    return decodeEnvelope(envelope, envelope.byteLength).payloadType;
  } catch (cause) {
    throw untrusted('feed object envelope', cause);
  }
}
