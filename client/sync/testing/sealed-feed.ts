import { randomBytes } from 'node:crypto';
import { encodeEnvelope, signEnvelope, type SigningKey } from '../../../shared/crypto/index.ts';
import { hashLeaf, MerkleTree } from '../../../shared/merkle/index.ts';
import { feedOrigin, signCheckpoint } from '../../../shared/note/index.ts';
import {
  ACCESS_PAYLOAD_TYPE,
  encodeAccessList,
  encryptionKeyId,
  epochKeyCommitment,
  generateEpochKey,
  SEALED_PAYLOAD_TYPES,
  sealFeedObject,
  wrapEpochKey,
  type AccessKey,
  type AccessList,
  type SealedKind,
} from '../../../shared/seal/index.ts';
import { encodeDelta, DELTA_PAYLOAD_TYPE, type Delta } from '../../../shared/wire/delta.ts';
import { groupsFromEntries, type IndicatorEntry } from '../../../shared/wire/indicator-group.ts';
import { encodeSnapshot, SNAPSHOT_PAYLOAD_TYPE, type Snapshot } from '../../../shared/wire/snapshot.ts';
import { computeStateDigest, computeStateDigestV1, StateAccumulator } from '../../../shared/wire/state-digest.ts';
import { encodeTimestamp, TIMESTAMP_PAYLOAD_TYPE } from '../../../shared/wire/timestamp.ts';
import type { DeltaBatch, FeedSource, InclusionProof, LeafKind } from '../feed-source.ts';
import type { TestRoot } from './test-root.ts';

const byId = (a: IndicatorEntry, b: IndicatorEntry): number => a.id - b.id;

/** Tests: an indicator with a random PDQ hash. */
export const testIndicator = (id: number): IndicatorEntry => ({ id, algorithm: 'pdq', hash: new Uint8Array(randomBytes(32)), category: 'A1' });

/** Tests: the recipient a sidecar's public key is, and the key itself, to wrap for. */
export interface TestRecipient {
  readonly provider: string;
  readonly publicKey: Uint8Array;
}

/**
 * Tests: a Centre's sealed feed made in process (docs/PROTOCOL.md 13): each
 * publication signs a delta and a snapshot, sealed under the epoch chosen
 * (or plaintext), appends both to a Merkle log, and is served through the
 * FeedSource interface with real timestamps, checkpoints and proofs. It also
 * signs access lists wrapping its epoch keys. Every request is recorded.
 */
export class TestSealedFeed implements FeedSource {
  readonly root: TestRoot;
  readonly requests: string[] = [];
  readonly #now: () => number;
  readonly #epochKeys = new Map<number, Uint8Array>();
  readonly #held = new Map<number, IndicatorEntry>();
  readonly #leaves: Uint8Array[] = [];
  readonly #leafIndex = new Map<string, number>();
  readonly #deltas = new Map<number, Uint8Array>();
  readonly #snapshots = new Map<number, Uint8Array>();
  #version = 0;
  /** Served for `snapshotAdvised` when true (as a mirror far behind). */
  adviseSnapshot = false;

  constructor(root: TestRoot, now: () => number) {
    this.root = root;
    this.#now = now;
  }

  get version(): number {
    return this.#version;
  }

  epochKey(epoch: number): Uint8Array {
    let key = this.#epochKeys.get(epoch);
    if (key === undefined) {
      key = generateEpochKey();
      this.#epochKeys.set(epoch, key);
    }
    return key;
  }

  /** Publishes the next version: adds and removes, sealed under `epoch` (0: plaintext, as before sealing). */
  publish(adds: readonly IndicatorEntry[], removeIds: readonly number[], epoch: number): { delta: Uint8Array; snapshot: Uint8Array } {
    const previous = this.#version;
    const version = previous + 1;
    for (const id of removeIds) this.#held.delete(id);
    for (const e of adds) this.#held.set(e.id, e);
    const all = [...this.#held.values()].sort(byId);
    const createdAt = this.#now();
    const added = groupsFromEntries([...adds].sort(byId));
    const delta: Delta = {
      feed: this.root.feed,
      version,
      previous,
      createdAt,
      categories: added.categories,
      adds: added.groups,
      removes: { ids: Uint32Array.from([...removeIds].sort((a, b) => a - b)), reasons: new Uint8Array(removeIds.length) },
      reasonCodes: ['WITHDRAWN'],
      stateDigest: computeStateDigest(all, 2),
      stateDigestVersion: 2,
    };
    const whole = groupsFromEntries(all);
    const accumulator = StateAccumulator.fromEntries(all);
    const snapshot: Snapshot = {
      feed: this.root.feed,
      version,
      createdAt,
      categories: whole.categories,
      groups: whole.groups,
      stateDigest: accumulator.digest(),
      stateDigestVersion: 2,
      entriesDigest: computeStateDigestV1(all),
      stateAccumulator: accumulator.toBytes(),
    };
    const deltaEnvelope = this.#sign('delta', encodeDelta(delta), { version, previous, createdAt }, epoch);
    const snapshotEnvelope = this.#sign('snapshot', encodeSnapshot(snapshot), { version, createdAt }, epoch);
    this.#version = version;
    this.#deltas.set(version, deltaEnvelope);
    this.#snapshots.set(version, snapshotEnvelope);
    this.#append('delta', version, deltaEnvelope);
    this.#append('snapshot', version, snapshotEnvelope);
    return { delta: deltaEnvelope, snapshot: snapshotEnvelope };
  }

  /** Replaces what is served for a version's delta (a mirror's tampering), leaving the log as it was. */
  serveDelta(version: number, envelope: Uint8Array): void {
    this.#deltas.set(version, envelope);
  }

  /**
   * A signed access list for `recipient` wrapping the keys of `epochs`
   * (entitled by order `ORD-1`), with `overrides` applied to the payload;
   * `wrapFor` changes the context a wrap is made in; `signer` the key.
   */
  async accessList(
    recipient: TestRecipient,
    epochs: readonly number[],
    options: { readonly overrides?: Partial<AccessList>; readonly wrapFor?: Partial<{ feed: string; provider: string; epoch: number }>; readonly signer?: SigningKey; readonly commitmentOf?: (epoch: number) => Uint8Array } = {},
  ): Promise<Uint8Array> {
    const recipientId = encryptionKeyId(recipient.publicKey);
    const keys: AccessKey[] = [];
    for (const epoch of epochs) {
      const key = this.epochKey(epoch);
      const context = { feed: this.root.feed, provider: recipient.provider, recipient: recipientId, epoch, ...options.wrapFor };
      const wrap = await wrapEpochKey(recipient.publicKey, context, key);
      keys.push({ epoch, recipient: recipientId, keyCommitment: options.commitmentOf?.(epoch) ?? epochKeyCommitment(this.root.feed, epoch, key), enc: wrap.enc, wrapped: wrap.wrapped });
    }
    const list: AccessList = {
      provider: recipient.provider,
      feed: this.root.feed,
      issuedAt: this.#now(),
      policy: 'order',
      entitled: true,
      basis: 'ORD-1',
      currentEpoch: Math.max(0, ...epochs),
      keys,
      ...(keys.length === 0 ? { reason: 'NO_ENCRYPTION_KEY' as const } : {}),
      ...options.overrides,
    };
    return encodeEnvelope(signEnvelope(ACCESS_PAYLOAD_TYPE, encodeAccessList(list), [options.signer ?? this.root.online['provider-list']]));
  }

  async timestamp(): Promise<Uint8Array> {
    this.requests.push('timestamp');
    const size = this.#leaves.length;
    const payload = encodeTimestamp({ feed: this.root.feed, version: this.#version, logSize: size, logRoot: this.#tree().rootHash(size), issuedAt: this.#now(), expires: this.#now() + 86_400_000, rootVersion: this.root.document.version });
    return encodeEnvelope(signEnvelope(TIMESTAMP_PAYLOAD_TYPE, payload, [this.root.online.timestamp]));
  }

  async roots(since: number): Promise<readonly Uint8Array[]> {
    this.requests.push('roots');
    return since === 0 ? [this.root.envelope] : [];
  }

  async checkpoint(): Promise<string> {
    this.requests.push('checkpoint');
    const size = this.#leaves.length;
    return signCheckpoint({ origin: feedOrigin(this.root.feed), size, rootHash: this.#tree().rootHash(size), extensions: [] }, this.root.online.checkpoint);
  }

  async deltas(since: number, latest: number): Promise<DeltaBatch> {
    this.requests.push(`deltas since ${since}`);
    if (this.adviseSnapshot) return { envelopes: [], snapshotAdvised: true };
    const envelopes: Uint8Array[] = [];
    for (let v = since + 1; v <= latest; v++) envelopes.push(this.#deltas.get(v) ?? new Uint8Array());
    return { envelopes, snapshotAdvised: false };
  }

  async snapshot(): Promise<Uint8Array> {
    this.requests.push('snapshot');
    const envelope = this.#snapshots.get(this.#version);
    if (envelope === undefined) throw new Error('nothing published');
    return envelope;
  }

  async inclusionProof(kind: LeafKind, version: number, size: number): Promise<InclusionProof> {
    const leafIndex = this.#leafIndex.get(`${kind}/${version}`);
    if (leafIndex === undefined) throw new Error(`no ${kind} ${version} in the log`);
    return { leafIndex, proof: this.#tree().inclusionProof(leafIndex, size) };
  }

  async consistencyProof(from: number, to: number): Promise<readonly Uint8Array[]> {
    return this.#tree().consistencyProof(from, to);
  }

  #sign(kind: SealedKind, inner: Uint8Array, header: { version: number; previous?: number; createdAt: number }, epoch: number): Uint8Array {
    const feedKey = this.root.online.feed;
    if (epoch === 0) return encodeEnvelope(signEnvelope(kind === 'delta' ? DELTA_PAYLOAD_TYPE : SNAPSHOT_PAYLOAD_TYPE, inner, [feedKey]));
    const key = this.epochKey(epoch);
    const sealed = sealFeedObject(kind, { feed: this.root.feed, ...header, epoch, keyCommitment: epochKeyCommitment(this.root.feed, epoch, key) }, key, inner);
    return encodeEnvelope(signEnvelope(SEALED_PAYLOAD_TYPES[kind], sealed, [feedKey]));
  }

  #append(kind: LeafKind, version: number, envelope: Uint8Array): void {
    this.#leafIndex.set(`${kind}/${version}`, this.#leaves.length);
    this.#leaves.push(hashLeaf(envelope));
  }

  #tree(): MerkleTree {
    const leaves = this.#leaves;
    return new MerkleTree({
      getLeafHash: (index) => {
        const leaf = leaves[index];
        if (leaf === undefined) throw new Error(`no leaf ${index}`);
        return leaf;
      },
    });
  }
}
