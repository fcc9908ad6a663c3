import { isRecordSql } from '../store/indicator-variants.ts';
import { decodeEnvelope, encodeEnvelope, signEnvelope } from '../../shared/crypto/index.ts';
import { SEALED_PAYLOAD_TYPES, sealFeedObject, type SealedKind } from '../../shared/seal/index.ts';
import { checkSignedWhileValid, KEY_PURPOSES, TrustError } from '../../shared/trust/index.ts';
import { encodeDelta } from '../../shared/wire/delta.ts';
import { SNAPSHOT_PAYLOAD_TYPE, encodeSnapshot } from '../../shared/wire/snapshot.ts';
import { encodeTimestamp, TIMESTAMP_PAYLOAD_TYPE } from '../../shared/wire/timestamp.ts';
import type { EpochSchedule, SealingEpoch } from '../access/epoch-schedule.ts';
import type { EpochReason } from '../access/epoch-store.ts';
import type { EpochStore } from '../access/epoch-store.ts';
import type { CentreConfig } from '../config.ts';
import { ApiError } from '../http/api-error.ts';
import type { Keyring } from '../keys/keyring.ts';
import type { TransparencyLog } from '../log/transparency-log.ts';
import type { AuditLog } from '../store/audit.ts';
import type { Db } from '../store/database.ts';
import { SUSPENDED_REASON } from '../store/indicators.ts';
import { ActiveSet } from './active-set.ts';
import { DigestState } from './digest-state.ts';
import { PublishError } from './errors.ts';
import {
  changeCountsSql,
  planDigest,
  STAGE_ADDS_SQL,
  STAGE_REMOVES_SQL,
  stagedChangesSql,
  stageParams,
  type PlanCount,
  type PublicationPlan,
  type StagedChange,
} from './publication-stage.ts';
import { groupsFromEntries, type IndicatorEntry } from '../../shared/wire/indicator-group.ts';
import { computeStateDigestV1, STATE_DIGEST_VERSION, type StateAccumulator, type StateDigestVersion } from '../../shared/wire/state-digest.ts';

export interface PublishResult {
  readonly version: number;
  readonly adds: number;
  readonly removes: number;
  readonly active: number;
  readonly stateDigest: string;
  readonly logIndex: number;
  readonly logSize: number;
  readonly envelopeBytes: number;
  /** The snapshot of this version, made and logged at publication. */
  readonly snapshotBytes: number;
  /** The epoch the version is sealed under (docs/PROTOCOL.md 13.2). */
  readonly epoch: number;
  /** Why that epoch began with this publication; null when it continues. */
  readonly epochBegan: string | null;
}

export interface VersionInfo {
  readonly version: number;
  readonly createdAt: number;
  readonly adds: number;
  readonly removes: number;
  readonly active: number;
  readonly stateDigest: Uint8Array;
  /** Which definition (docs/PROTOCOL.md 8.4) the version's delta and snapshot carry. */
  readonly stateDigestVersion: StateDigestVersion;
  readonly envelopeSize: number;
  readonly logIndex: number;
  /** The epoch its delta and snapshot are sealed under; null for a plaintext version, published before sealing (PROTOCOL 13.7). */
  readonly epoch: number | null;
}

type VersionRow = {
  version: number;
  created_at: number;
  adds: number;
  removes: number;
  active: number;
  state_digest: Buffer;
  state_digest_version: number;
  envelope_size: number;
  log_index: number;
  epoch: number | null;
};
const toInfo = (r: VersionRow): VersionInfo => ({
  version: r.version,
  createdAt: r.created_at,
  adds: r.adds,
  removes: r.removes,
  active: r.active,
  stateDigest: new Uint8Array(r.state_digest),
  stateDigestVersion: r.state_digest_version === 1 ? 1 : 2,
  envelopeSize: r.envelope_size,
  logIndex: r.log_index,
  epoch: r.epoch,
});

export interface PublisherDeps {
  readonly db: Db;
  readonly config: CentreConfig;
  readonly keyring: Keyring;
  readonly log: TransparencyLog;
  readonly audit: AuditLog;
  /** Decides the epoch each publication is sealed under. */
  readonly schedule: EpochSchedule;
  readonly epochs: EpochStore;
}

/**
 * Turns the registry into signed, logged feed objects. Each publication is
 * one immediate transaction: the delta envelope and the snapshot of the
 * version, their log leaves, the indicators' new status, the counts, a
 * checkpoint and a timestamp commit together or not at all, so a crash
 * leaves version N or N+1, never a part.
 */
export class Publisher {
  readonly #deps: PublisherDeps;
  readonly #active: ActiveSet;
  readonly #digestState: DigestState;
  readonly #statements;
  /** The root version the held timestamp was signed under (unknown after a start: re-signed once). */
  #timestampRootVersion: number | undefined;

  constructor(deps: PublisherDeps) {
    this.#deps = deps;
    const { db } = deps;
    this.#active = new ActiveSet(db);
    this.#digestState = new DigestState(db);
    // What one publication changes, staged per connection so that SQL can join on it.
    db.exec('CREATE TEMP TABLE IF NOT EXISTS publish_stage (id INTEGER PRIMARY KEY, op TEXT NOT NULL, category TEXT NOT NULL, reason TEXT)');
    this.#statements = {
      latest: db.prepare<[], VersionRow>('SELECT v.version, created_at, adds, removes, active, state_digest, state_digest_version, envelope_size, log_index, e.epoch FROM versions v LEFT JOIN version_epochs e ON e.version = v.version ORDER BY v.version DESC LIMIT 1'),
      version: db.prepare<[number], VersionRow>('SELECT v.version, created_at, adds, removes, active, state_digest, state_digest_version, envelope_size, log_index, e.epoch FROM versions v LEFT JOIN version_epochs e ON e.version = v.version WHERE v.version = ?'),
      versions: db.prepare<[], VersionRow>('SELECT v.version, created_at, adds, removes, active, state_digest, state_digest_version, envelope_size, log_index, e.epoch FROM versions v LEFT JOIN version_epochs e ON e.version = v.version ORDER BY v.version'),
      envelope: db.prepare<[number], { envelope: Buffer }>('SELECT envelope FROM versions WHERE version = ?'),
      chain: db.prepare<[number, number], { version: number; envelope: Buffer; envelope_size: number; epoch: number | null }>(
        'SELECT v.version, v.envelope, v.envelope_size, e.epoch FROM versions v LEFT JOIN version_epochs e ON e.version = v.version WHERE v.version > ? ORDER BY v.version LIMIT ?',
      ),
      bytesSince: db.prepare<[number], { bytes: number | null; n: number }>('SELECT sum(envelope_size) AS bytes, count(*) AS n FROM versions WHERE version > ?'),
      resetStage: db.prepare('DELETE FROM temp.publish_stage'),
      stageAdds: db.prepare(`INSERT INTO temp.publish_stage (id, op, category, reason) ${STAGE_ADDS_SQL}`),
      stageRemoves: db.prepare(`INSERT INTO temp.publish_stage (id, op, category, reason) ${STAGE_REMOVES_SQL}`),
      stagedChanges: db.prepare<[], StagedChange>(stagedChangesSql('temp.publish_stage')),
      // The dry run: the same selects as a CTE, so that planning writes nothing (not even the temporary table).
      planChanges: db.prepare<[number, number], StagedChange>(`WITH stage AS (${STAGE_ADDS_SQL} UNION ALL ${STAGE_REMOVES_SQL}) ${stagedChangesSql('stage')}`),
      planCounts: db.prepare<[number, number], { dimension: string; key: string; adds: number; removes: number }>(
        `WITH stage AS (${STAGE_ADDS_SQL} UNION ALL ${STAGE_REMOVES_SQL})
         SELECT dimension, key, sum(adds) AS adds, sum(removes) AS removes FROM (${changeCountsSql('stage')}) GROUP BY dimension, key ORDER BY dimension, key`,
      ),
      stagedAdds: db.prepare("SELECT i.id, i.algorithm, i.hash, i.category FROM temp.publish_stage s JOIN indicators i ON i.id = s.id WHERE s.op = 'add' ORDER BY i.id").raw(),
      stagedRemoves: db.prepare<[], { id: number; reason: string }>("SELECT id, reason FROM temp.publish_stage WHERE op = 'remove' ORDER BY id"),
      stagedRemovedEntries: db.prepare("SELECT i.id, i.algorithm, i.hash, i.category FROM temp.publish_stage s JOIN indicators i ON i.id = s.id WHERE s.op = 'remove'").raw(),
      activate: db.prepare(
        "UPDATE indicators SET status = 'active', version_added = ?, version_revoked = NULL, revoked_reason = NULL, removal_reason = NULL WHERE id IN (SELECT id FROM temp.publish_stage WHERE op = 'add')",
      ),
      retire: db.prepare(
        // A suspension leaves the feed like a revocation but stays open for re-assessment (server/store/indicators.ts).
        `UPDATE indicators SET status = CASE WHEN removal_reason = '${SUSPENDED_REASON}' THEN 'suspended' ELSE 'revoked' END,
           version_revoked = ?, revoked_reason = removal_reason, removal_reason = NULL WHERE id IN (SELECT id FROM temp.publish_stage WHERE op = 'remove')`,
      ),
      recordChanges: db.prepare('INSERT INTO feed_changes (version, indicator_id, op, category, reason) SELECT ?, id, op, category, reason FROM temp.publish_stage'),
      insertVersion: db.prepare(
        'INSERT INTO versions (version, created_at, adds, removes, active, state_digest, state_digest_version, envelope, envelope_size, log_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertVersionEpoch: db.prepare('INSERT INTO version_epochs (version, epoch) VALUES (?, ?)'),
      counts: db.prepare(
        `INSERT INTO version_counts (version, dimension, key, adds, removes, active)
         SELECT ?, dimension, key, sum(adds), sum(removes), sum(active) FROM (
           ${changeCountsSql('temp.publish_stage')}
           UNION ALL SELECT 'category', category, 0, 0, 1 FROM indicators WHERE status = 'active' AND ${isRecordSql('id')}
           UNION ALL SELECT 'algorithm', algorithm, 0, 0, 1 FROM indicators WHERE status = 'active' AND ${isRecordSql('id')}
           UNION ALL SELECT 'authority', a.name, 0, 0, 1 FROM indicators i JOIN confirmations c ON c.indicator_id = i.id JOIN accounts a ON a.id = c.authority_id
             WHERE i.status = 'active' AND ${isRecordSql('i.id')} AND c.withdrawn_at IS NULL
         ) GROUP BY dimension, key`,
      ),
      activeCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM indicators WHERE status = 'active'"),
      // A snapshot is sealed under its version's epoch, or plaintext with it (PROTOCOL 13.2).
      snapshot: db.prepare<[number], { envelope: Buffer; log_index: number; epoch: number | null }>(
        'SELECT s.envelope, s.log_index, e.epoch FROM snapshots s LEFT JOIN version_epochs e ON e.version = s.version WHERE s.version = ?',
      ),
      // What publishVideoIndicators holds back: the adds it would stage with the setting on, of algorithm vpdq.
      heldVideo: db.prepare<[number, number], { n: number }>(`SELECT count(*) AS n FROM (${STAGE_ADDS_SQL}) s JOIN indicators i ON i.id = s.id WHERE i.algorithm = 'vpdq'`),
      snapshotBytes: db.prepare<[number], { bytes: number }>('SELECT length(envelope) AS bytes FROM snapshots WHERE version = ?'),
      snapshotSigned: db.prepare<[number], { envelope: Buffer; created_at: number }>('SELECT envelope, created_at FROM snapshots WHERE version = ?'),
      insertSnapshot: db.prepare('INSERT INTO snapshots (version, created_at, envelope, log_index) VALUES (?, ?, ?, ?)'),
      countPrunable: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM snapshots WHERE version <= ?'),
      prune: db.prepare('DELETE FROM snapshots WHERE version <= ?'),
      timestamp: db.prepare<[], { envelope: Buffer; expires: number; issued_at: number }>('SELECT envelope, expires, issued_at FROM timestamps WHERE id = 1'),
      putTimestamp: db.prepare('INSERT OR REPLACE INTO timestamps (id, version, log_size, issued_at, expires, envelope) VALUES (1, ?, ?, ?, ?, ?)'),
    };
  }

  latest(): VersionInfo | undefined {
    const row = this.#statements.latest.get();
    return row === undefined ? undefined : toInfo(row);
  }

  latestVersion(): number {
    return this.latest()?.version ?? 0;
  }

  version(version: number): VersionInfo | undefined {
    const row = this.#statements.version.get(version);
    return row === undefined ? undefined : toInfo(row);
  }

  versions(): VersionInfo[] {
    return this.#statements.versions.all().map(toInfo);
  }

  deltaEnvelope(version: number): Uint8Array | undefined {
    const row = this.#statements.envelope.get(version);
    return row === undefined ? undefined : new Uint8Array(row.envelope);
  }

  /** Up to `maxCount` delta envelopes after `since`, stopping before `maxBytes` (always at least one); `epoch` null for a plaintext one. */
  deltaChain(since: number, maxCount: number, maxBytes: number): { version: number; envelope: Uint8Array; epoch: number | null }[] {
    const out: { version: number; envelope: Uint8Array; epoch: number | null }[] = [];
    let bytes = 0;
    for (const row of this.#statements.chain.iterate(since, maxCount)) {
      if (out.length > 0 && bytes + row.envelope_size > maxBytes) break;
      bytes += row.envelope_size;
      out.push({ version: row.version, envelope: new Uint8Array(row.envelope), epoch: row.epoch });
    }
    return out;
  }

  /**
   * The server decides when a client should take a snapshot instead of
   * deltas (Safe Browsing's full update): when the deltas it lacks would
   * weigh more than the snapshot, or are too many to be worth chaining.
   */
  snapshotAdvised(since: number): boolean {
    const latest = this.latest();
    if (latest === undefined || since >= latest.version) return false;
    const { bytes, n } = this.#statements.bytesSince.get(since) ?? { bytes: 0, n: 0 };
    // The stored snapshot's own size: 40 bytes per indicator holds for image hashes, not for a video's frame list (up to 128 KiB).
    const snapshotEstimate = this.#statements.snapshotBytes.get(latest.version)?.bytes ?? 1024 + latest.active * 40;
    return (bytes ?? 0) > snapshotEstimate || n > 10 * this.#deps.config.maxDeltasPerResponse;
  }

  /**
   * Publishes version N+1 from every publishable change. With none:
   * NOTHING_TO_PUBLISH, unless the latest snapshot was signed by a feed key
   * the current root revokes for it; then the version is published empty,
   * so that a snapshot signed by a good key exists (docs/PROTOCOL.md 4.7),
   * or a new epoch is due (13.2: the first sealed version of a folder from
   * before sealing, a lost key-wrapping key, an operator's epoch-rotate,
   * an entitlement lost): the version is published empty to start it.
   * Every delta and snapshot is sealed under the epoch the schedule
   * decides, inside this transaction.
   */
  publish(actor: string, now: number, options: { readonly expectedPlan?: string } = {}): PublishResult {
    const { config, keyring, log, audit, schedule } = this.#deps;
    const s = this.#statements;
    return this.#inTransaction((): PublishResult => {
      const previous = this.latestVersion();
      const version = previous + 1;
      s.resetStage.run();
      const stagedAdds = s.stageAdds.run(...stageParams(config)).changes;
      const stagedRemoves = s.stageRemoves.run().changes;
      const empty = stagedAdds + stagedRemoves === 0;
      const emptyReason = empty ? this.#emptyPublicationReason(previous, now) : undefined;
      // Checked before anything is written: the person confirmed a dry run, and this is not it.
      if (options.expectedPlan !== undefined && planDigest(version, emptyReason, s.stagedChanges.iterate()) !== options.expectedPlan) {
        throw new PublishError('PUBLISH_PLAN_CHANGED', `what version ${version} would publish has changed since the dry run`);
      }
      if (empty && emptyReason === undefined) throw new ApiError(409, 'NOTHING_TO_PUBLISH', 'no approved additions or pending removals to publish');
      const recovery = emptyReason === 'recovery';

      const added = rowsToEntries(s.stagedAdds.all());
      const removed = rowsToEntries(s.stagedRemovedEntries.all());
      const adds = groupsFromEntries(added);
      const removes = s.stagedRemoves.all();
      const reasonCodes = [...new Set(removes.map((r) => r.reason))].sort();
      s.activate.run(version);
      s.retire.run(version);
      // O(size of the delta): the stored accumulator plus this version's change (docs/PROTOCOL.md 8.4).
      const accumulator = this.#digestState.advance(previous, version, { added, removed }, () => this.#active.entries());
      const stateDigest = accumulator.digest();
      const active = s.activeCount.get()?.n ?? 0;

      const payload = encodeDelta({
        feed: config.feed,
        version,
        previous,
        createdAt: now,
        categories: adds.categories,
        adds: adds.groups,
        removes: { ids: Uint32Array.from(removes.map((r) => r.id)), reasons: Uint8Array.from(removes.map((r) => reasonCodes.indexOf(r.reason))) },
        reasonCodes,
        stateDigest,
        stateDigestVersion: STATE_DIGEST_VERSION,
      });
      const sealing = schedule.forPublication(version, now);
      const envelope = this.#sealAndSign('delta', { feed: config.feed, version, previous, createdAt: now }, payload, sealing, now);
      const logIndex = log.append('delta', version, envelope, now);
      s.insertVersion.run(version, now, stagedAdds, stagedRemoves, active, stateDigest, STATE_DIGEST_VERSION, envelope, envelope.byteLength, logIndex);
      s.insertVersionEpoch.run(version, sealing.epoch);
      s.recordChanges.run(version);
      s.counts.run(version);
      // The snapshot is made here, once, so that reading one never writes (and every provider gets the same bytes).
      const snapshot = this.#storeSnapshot(version, stateDigest, STATE_DIGEST_VERSION, now, accumulator, sealing);
      const checkpoint = log.checkpoint(keyring.signerFor(KEY_PURPOSES.checkpoint, now), now);
      this.#signTimestamp(version, checkpoint.size, checkpoint.rootHash, now);
      const suspended = removes.filter((r) => r.reason === SUSPENDED_REASON).length;
      audit.record(now, actor, 'feed.publish', `version:${version}`, {
        adds: stagedAdds,
        removes: stagedRemoves,
        suspended,
        active,
        logIndex,
        snapshotLogIndex: snapshot.logIndex,
        epoch: sealing.epoch,
        ...(sealing.began === undefined ? {} : { epochBegan: sealing.began }),
        ...(recovery ? { recovery: 'the latest snapshot was signed by a revoked feed key' } : {}),
      });
      return {
        version,
        adds: stagedAdds,
        removes: stagedRemoves,
        active,
        stateDigest: Buffer.from(stateDigest).toString('hex'),
        logIndex,
        logSize: checkpoint.size,
        envelopeBytes: envelope.byteLength,
        snapshotBytes: snapshot.bytes,
        epoch: sealing.epoch,
        epochBegan: sealing.began ?? null,
      };
    });
  }

  /**
   * The dry run of `publish` at `now`: the version it would make, what it
   * would add and tombstone (counted by category, algorithm and authority,
   * as the version's counts will be), and the digest `publish` checks
   * against `expectedPlan`. The same selects and the same empty-version
   * rule as `publish`, in a read transaction: it writes nothing.
   */
  plan(now: number): PublicationPlan {
    const { db, config } = this.#deps;
    const s = this.#statements;
    return db.transaction((): PublicationPlan => {
      const previous = this.latestVersion();
      const version = previous + 1;
      const changes = s.planChanges.all(...stageParams(config));
      const adds = changes.filter((c) => c.op === 'add').length;
      const removes = changes.length - adds;
      const emptyReason = changes.length === 0 ? this.#emptyPublicationReason(previous, now) : undefined;
      const counts = s.planCounts.all(...stageParams(config));
      const of = (dimension: string): PlanCount[] => counts.filter((c) => c.dimension === dimension).map(({ key, adds, removes }) => ({ key, adds, removes }));
      return {
        version,
        publishable: changes.length > 0 || emptyReason !== undefined,
        adds,
        removes,
        suspended: changes.filter((c) => c.op === 'remove' && c.reason === SUSPENDED_REASON).length,
        emptyReason: emptyReason ?? null,
        byCategory: of('category'),
        byAlgorithm: of('algorithm'),
        byAuthority: of('authority'),
        digest: planDigest(version, emptyReason, changes),
        heldVideo: config.publishVideoIndicators ? 0 : (s.heldVideo.get(1, config.minConfirmations)?.n ?? 0),
      };
    })();
  }

  /**
   * Why a publication with no change would still be made: the latest
   * snapshot's feed key was revoked for it (recovery, docs/PROTOCOL.md 4.7),
   * or a new epoch is due (13.2); undefined when it would not be made.
   */
  #emptyPublicationReason(previous: number, now: number): 'recovery' | EpochReason | undefined {
    if (!this.latestSnapshotSignedWhileValid()) return 'recovery';
    return previous > 0 ? this.#deps.schedule.due(now) : undefined;
  }

  /**
   * Whether opening this data folder must publish an empty sealed version:
   * its latest version is plaintext (published before sealing, PROTOCOL
   * 13.7) or the current epoch's key is unreadable (13.2 rule 4).
   */
  sealingDueOnOpen(): boolean {
    const latest = this.latest();
    return latest !== undefined && (latest.epoch === null || this.#deps.epochs.currentUnreadable());
  }

  /**
   * Whether clients accept the latest snapshot under the current root: its
   * feed key was valid and not yet revoked when it was made (4.6). False
   * once a root revokes that key from a time at or before it (4.7): a
   * replica that must bootstrap or fall back would find no snapshot it can
   * take until the next publication.
   */
  latestSnapshotSignedWhileValid(): boolean {
    const latest = this.latest();
    const row = latest === undefined ? undefined : this.#statements.snapshotSigned.get(latest.version);
    if (row === undefined) return true;
    const root = this.#deps.keyring.root.document;
    // The Centre's own stored bytes: which listed keys signed is read from the key IDs, without verifying a
    // signature over what may be hundreds of megabytes; clients verify it (PROTOCOL 4.6).
    const signerIds = new Set(decodeEnvelope(new Uint8Array(row.envelope), row.envelope.byteLength).signatures.map((s) => s.keyId));
    const signers = root.keys.filter((k) => k.purpose === KEY_PURPOSES.feed && signerIds.has(k.verifierKey.keyIdHex));
    try {
      checkSignedWhileValid(root, signers, KEY_PURPOSES.feed, row.created_at);
      return true;
    } catch (err) {
      if (err instanceof TrustError) return false;
      throw err;
    }
  }

  /**
   * The stored snapshot envelope of `version`. Reading never writes:
   * snapshots are made at publication and only the latest
   * `snapshotsKept` are stored (their log leaves stay for good).
   */
  snapshot(version: number): { envelope: Uint8Array; logIndex: number; epoch: number | null } {
    const stored = this.#statements.snapshot.get(version);
    if (stored !== undefined) return { envelope: new Uint8Array(stored.envelope), logIndex: stored.log_index, epoch: stored.epoch };
    if (this.version(version) === undefined) throw new ApiError(404, 'NOT_PUBLISHED', `version ${version} has not been published`);
    throw new ApiError(
      410,
      'SNAPSHOT_GONE',
      `no snapshot of version ${version} is kept (the Centre keeps the latest ${this.#deps.config.snapshotsKept}): take the latest snapshot, or deltas`,
    );
  }

  /**
   * Brings a data folder written before snapshots were made at publication
   * up to date: snapshots the latest version if it has none and prunes
   * envelopes past `snapshotsKept`. Writes only when there is something to
   * do, so opening an up-to-date Centre stays read-only.
   */
  keepSnapshots(now: number): void {
    const latest = this.latest();
    if (latest === undefined) return;
    const { log, keyring } = this.#deps;
    const missing = this.#statements.snapshot.get(latest.version) === undefined && log.leafIndex('snapshot', latest.version) === undefined;
    const cutoff = latest.version - this.#deps.config.snapshotsKept;
    if (!missing && (this.#statements.countPrunable.get(cutoff)?.n ?? 0) === 0) return;
    this.#inTransaction(() => {
      if (missing) {
        const found = latest.stateDigestVersion === 1 ? undefined : this.#digestState.at(latest.version, () => this.#active.entries());
        // Carried only if it is the one the version's delta signed: replicas would refuse any other.
        const accumulator = found !== undefined && Buffer.compare(Buffer.from(found.digest()), Buffer.from(latest.stateDigest)) === 0 ? found : undefined;
        // Sealed like its version's delta; a plaintext version (from before sealing) gets a plaintext snapshot.
        const key = latest.epoch === null ? undefined : this.#deps.epochs.keyOf(latest.epoch);
        const record = latest.epoch === null ? undefined : this.#deps.epochs.get(latest.epoch);
        const sealing = key === undefined || record === undefined ? undefined : { epoch: record.epoch, key, keyCommitment: record.keyCommitment, began: undefined };
        this.#storeSnapshot(latest.version, latest.stateDigest, latest.stateDigestVersion, now, accumulator, sealing);
        const checkpoint = log.checkpoint(keyring.signerFor(KEY_PURPOSES.checkpoint, now), now);
        this.#signTimestamp(latest.version, checkpoint.size, checkpoint.rootHash, now);
      }
      this.#statements.prune.run(cutoff);
    });
  }

  /**
   * Signs, logs and stores the snapshot of the current active set as
   * `version`, then prunes older envelopes. A version 2 snapshot carries
   * the accumulator and version 1's digest of its entries, so that a
   * replica bootstraps with one SHA-256 pass instead of an LtHash
   * expansion per entry (docs/PROTOCOL.md 8.4).
   */
  #storeSnapshot(
    version: number,
    stateDigest: Uint8Array,
    stateDigestVersion: StateDigestVersion,
    now: number,
    accumulator: StateAccumulator | undefined,
    sealing: SealingEpoch | undefined,
  ): { logIndex: number; bytes: number } {
    const { config, keyring, log } = this.#deps;
    const { groups, categories } = this.#active.groups();
    const carried = stateDigestVersion === 2 && accumulator !== undefined ? { entriesDigest: computeStateDigestV1(this.#active.entries()), stateAccumulator: accumulator.toBytes() } : {};
    const payload = encodeSnapshot({ feed: config.feed, version, createdAt: now, categories, groups, stateDigest, stateDigestVersion, ...carried });
    const envelope =
      sealing === undefined
        ? encodeEnvelope(signEnvelope(SNAPSHOT_PAYLOAD_TYPE, payload, [keyring.signerFor(KEY_PURPOSES.feed, now)]))
        : this.#sealAndSign('snapshot', { feed: config.feed, version, createdAt: now }, payload, sealing, now);
    const logIndex = log.append('snapshot', version, envelope, now);
    this.#statements.insertSnapshot.run(version, now, envelope, logIndex);
    this.#statements.prune.run(version - config.snapshotsKept);
    return { logIndex, bytes: envelope.byteLength };
  }

  /**
   * The sealed envelope of a delta or snapshot payload (PROTOCOL 13.1): the
   * payload encrypted under the epoch's key, the header and ciphertext
   * signed by the feed key. This envelope is what is logged and stored.
   */
  #sealAndSign(kind: SealedKind, header: { feed: string; version: number; previous?: number; createdAt: number }, payload: Uint8Array, sealing: SealingEpoch, now: number): Uint8Array {
    const sealed = sealFeedObject(kind, { ...header, epoch: sealing.epoch, keyCommitment: sealing.keyCommitment }, sealing.key, payload);
    return encodeEnvelope(signEnvelope(SEALED_PAYLOAD_TYPES[kind], sealed, [this.#deps.keyring.signerFor(KEY_PURPOSES.feed, now)]));
  }

  #inTransaction<T>(fn: () => T): T {
    try {
      return this.#deps.db.transaction(fn).immediate();
    } catch (err) {
      this.#deps.log.discardCache();
      throw err;
    }
  }

  /**
   * The current signed timestamp, re-signed when older than the configured
   * interval, and at once when a newer root was installed: its rootVersion
   * must name that root (clients refuse a round whose root is withheld,
   * PROTOCOL 9.3), and its key may have just been revoked.
   */
  timestamp(now: number): Uint8Array {
    const row = this.#statements.timestamp.get();
    const underCurrentRoot = this.#timestampRootVersion === this.#deps.keyring.root.document.version;
    if (row !== undefined && underCurrentRoot && now - row.issued_at < this.#deps.config.timestampIntervalSeconds * 1000 && now < row.expires) return new Uint8Array(row.envelope);
    return this.refreshTimestamp(now);
  }

  /** Re-signs the timestamp for the latest version and checkpoint (the schedule calls this). */
  refreshTimestamp(now: number): Uint8Array {
    const { db, keyring, log } = this.#deps;
    return db
      .transaction(() => {
        const checkpoint = log.checkpoint(keyring.signerFor(KEY_PURPOSES.checkpoint, now), now);
        return this.#signTimestamp(this.latestVersion(), checkpoint.size, checkpoint.rootHash, now);
      })
      .immediate();
  }

  #signTimestamp(version: number, logSize: number, logRoot: Uint8Array, now: number): Uint8Array {
    const expires = now + this.#deps.config.timestampTtlSeconds * 1000;
    const { keyring } = this.#deps;
    const rootVersion = keyring.root.document.version;
    this.#timestampRootVersion = rootVersion;
    const payload = encodeTimestamp({ feed: this.#deps.config.feed, version, logSize, logRoot, issuedAt: now, expires, rootVersion });
    const envelope = encodeEnvelope(signEnvelope(TIMESTAMP_PAYLOAD_TYPE, payload, [keyring.signerFor(KEY_PURPOSES.timestamp, now)]));
    this.#statements.putTimestamp.run(version, logSize, now, expires, envelope);
    return envelope;
  }
}

function rowsToEntries(rows: unknown[]): IndicatorEntry[] {
  return rows.map((raw) => {
    const [id, algorithm, hash, category] = raw as [number, string, Buffer, string];
    return { id, algorithm, hash, category };
  });
}
