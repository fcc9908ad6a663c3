import { computeStateDigestV1, StateAccumulator, type StateDigestVersion } from '../../shared/wire/state-digest.ts';
import type { Delta } from '../../shared/wire/delta.ts';
import type { Snapshot } from '../../shared/wire/snapshot.ts';
import { snapshotAccumulator } from '../../shared/wire/snapshot-state.ts';
import { groupEntries, type IndicatorEntry } from '../../shared/wire/indicator-group.ts';
import { CodedError } from '../../shared/errors.ts';
import type { Db } from './database.ts';
import type { TrustedState } from './trusted-state.ts';
import { ReplicaDigestState } from './digest-state.ts';
import { ShadowTable } from './shadow-table.ts';
import { inTimeSlices, nextTurn } from './time-slices.ts';
import { TrustRecord, type SignedBy } from './trust-record.ts';

export type ReplicaCode = 'REPLICA_DIGEST_MISMATCH' | 'REPLICA_NOT_CONTIGUOUS' | 'REPLICA_INCONSISTENT';
export class ReplicaError extends CodedError<ReplicaCode> {}

type StateRow = {
  feed: string | null;
  version: number;
  state_digest: Buffer | null;
  checkpoint_size: number | null;
  checkpoint_root: Buffer | null;
  checkpoint_note: string | null;
  timestamp_version: number | null;
  timestamp_issued_at: number | null;
  timestamp_expires: number | null;
  last_success_at: number | null;
  root_version: number | null;
};

/** A verified change, ready for the in-memory index: what the replica applied. */
export interface AppliedChange {
  readonly version: number;
  /** True when the whole replica was replaced (a snapshot): the index is rebuilt from `adds`. */
  readonly replaced: boolean;
  readonly removes: readonly number[];
  readonly adds: readonly IndicatorEntry[];
}

/** A delta's contribution to the accumulator, hashed before its write transaction (`Replica.prepareDelta`). */
export interface PreparedDelta {
  readonly delta: Delta;
  /** The rows the delta removes, as the replica held them when prepared. */
  readonly removed: ReadonlyMap<number, IndicatorEntry>;
  readonly change: StateAccumulator;
}

/** A snapshot checked before its write transaction (`Replica.prepareSnapshot`): its entries in id order and the accumulator to store. */
export interface PreparedSnapshot {
  readonly snapshot: Snapshot;
  readonly entries: readonly IndicatorEntry[];
  readonly accumulator: StateAccumulator;
}


/**
 * Rows per write transaction of a sliced delta, besides the time budget:
 * a random delete dirties a page or two that the commit then writes, so a
 * slice's commit costs what its rows touched, which the budget does not see
 * (at 2M rows here, 800 deletes made a 50 ms commit, 128 make 20 to 25 ms
 * with the WAL checkpoints that follow).
 */
const DELTA_SLICE_ROWS = 128;

const sameEntry = (a: IndicatorEntry, b: { algorithm: string; hash: Uint8Array; category: string }): boolean =>
  a.algorithm === b.algorithm && a.category === b.category && Buffer.compare(Buffer.from(a.hash), Buffer.from(b.hash)) === 0;

/**
 * The local replica: indicators plus the trusted state, in SQLite. Each
 * delta or snapshot is applied in one immediate transaction that also
 * checks the state digest before committing, so a crash at any point leaves
 * version N or N+1, and a replica that disagrees with the Centre never
 * commits.
 */
export class Replica {
  readonly #db: Db;
  readonly #digestState: ReplicaDigestState;
  readonly #statements;
  /** The root of trust and what each feed key signed: written by the trusted store only (client/sync/trusted-store). */
  readonly trust: TrustRecord;

  constructor(db: Db) {
    this.#db = db;
    this.trust = new TrustRecord(db);
    this.#digestState = new ReplicaDigestState(db);
    this.#statements = {
      state: db.prepare<[], StateRow>('SELECT * FROM trusted_state WHERE id = 1'),
      insert: db.prepare('INSERT INTO indicators (id, algorithm, hash, category) VALUES (?, ?, ?, ?)'),
      remove: db.prepare('DELETE FROM indicators WHERE id = ? RETURNING algorithm, hash, category').raw(),
      clear: db.prepare('DELETE FROM indicators'),
      all: db.prepare('SELECT id, algorithm, hash, category FROM indicators ORDER BY id').raw(),
      allBut: db.prepare('SELECT id, algorithm, hash, category FROM indicators WHERE algorithm < ? OR algorithm > ?').raw(),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM indicators'),
      category: db.prepare<[number], { category: string }>('SELECT category FROM indicators WHERE id = ?'),
      row: db.prepare<[number], { algorithm: string; hash: Buffer; category: string }>('SELECT algorithm, hash, category FROM indicators WHERE id = ?'),
      setVersion: db.prepare('UPDATE trusted_state SET feed = ?, version = ?, state_digest = ? WHERE id = 1'),
      setHead: db.prepare(
        'UPDATE trusted_state SET checkpoint_size = ?, checkpoint_root = ?, checkpoint_note = ?, timestamp_version = ?, timestamp_issued_at = ?, timestamp_expires = ? WHERE id = 1',
      ),
      setSuccess: db.prepare('UPDATE trusted_state SET last_success_at = ? WHERE id = 1'),
      undoAdd: db.prepare('INSERT INTO delta_undo (sign, id, algorithm, hash, category) VALUES (?, ?, ?, ?, ?)'),
      undoStarted: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM delta_undo WHERE sign = 0'),
      undoRows: db.prepare('SELECT sign, id, algorithm, hash, category FROM delta_undo WHERE sign != 0 ORDER BY seq DESC').raw(),
      undoClear: db.prepare('DELETE FROM delta_undo'),
      deleteId: db.prepare('DELETE FROM indicators WHERE id = ?'),
    };
    this.#rollBackHalfWrittenDelta();
  }

  /**
   * A crash between the slices of a delta (applyDeltaInSlices) left rows
   * that are neither version N's nor N+1's: undo them, newest first, from
   * the undo log the slices wrote, so that the replica holds version N
   * again and its digest is the signed one. The stored accumulator missed
   * the journal that delta's first transaction folded in: recomputed once.
   */
  #rollBackHalfWrittenDelta(): void {
    if (this.#digestState.applying() === null || (this.#statements.undoStarted.get()?.n ?? 0) === 0) return;
    this.#db
      .transaction(() => {
        this.#digestState.unjournalled(() => {
          for (const raw of this.#statements.undoRows.all()) {
            const [sign, id, algorithm, hash, category] = raw as [number, number, string, Buffer, string];
            if (sign > 0) this.#statements.deleteId.run(id);
            else this.#statements.insert.run(id, algorithm, hash, category);
          }
        });
        this.#statements.undoClear.run();
        this.#digestState.replace(StateAccumulator.fromEntries(this.entries()));
      })
      .immediate();
  }

  state(): TrustedState {
    const row = this.#statements.state.get();
    if (row === undefined) throw new ReplicaError('REPLICA_INCONSISTENT', 'the trusted state row is missing');
    return {
      feed: row.feed,
      version: row.version,
      stateDigest: row.state_digest === null ? null : new Uint8Array(row.state_digest),
      checkpoint: row.checkpoint_size === null || row.checkpoint_root === null || row.checkpoint_note === null ? null : { size: row.checkpoint_size, rootHash: new Uint8Array(row.checkpoint_root), note: row.checkpoint_note },
      timestamp:
        row.timestamp_version === null || row.timestamp_issued_at === null || row.timestamp_expires === null
          ? null
          : { version: row.timestamp_version, issuedAt: row.timestamp_issued_at, expires: row.timestamp_expires },
      lastSuccessAt: row.last_success_at,
      rootVersion: row.root_version,
    };
  }

  size(): number {
    return this.#statements.count.get()?.n ?? 0;
  }

  /** An indicator's category (matches are rare: looked up here rather than held in memory). */
  category(id: number): string | undefined {
    return this.#statements.category.get(id)?.category;
  }

  /** Every indicator in id order (to build the in-memory index at start-up); `except` skips one algorithm. */
  *entries(except?: string): Generator<IndicatorEntry> {
    for (const raw of except === undefined ? this.#statements.all.iterate() : this.#statements.allBut.iterate(except, except)) {
      const [id, algorithm, hash, category] = raw as [number, string, Buffer, string];
      yield { id, algorithm, hash, category };
    }
  }

  /**
   * Applies one delta that follows the replica's version; commits only if
   * the resulting state digest equals the signed one (PROTOCOL 9.3 step 5).
   * A version 2 digest costs O(size of the delta): the stored accumulator
   * is updated with what the delta removes and adds (PROTOCOL 8.4); a
   * version 1 digest (objects published before it) is recomputed in full.
   */
  applyDelta(delta: Delta, prepared?: PreparedDelta, signedBy?: SignedBy): AppliedChange {
    const ready = prepared?.delta === delta ? prepared : undefined;
    return this.#db
      .transaction((): AppliedChange => {
        const current = this.state();
        if (delta.previous !== current.version) {
          throw new ReplicaError('REPLICA_NOT_CONTIGUOUS', `delta ${delta.version} follows ${delta.previous}, the replica is at ${current.version}`);
        }
        const accumulator = this.#digestState.load(() => this.entries());
        const removes = [...delta.removes.ids];
        const adds = delta.adds.flatMap((g) => [...groupEntries(g, delta.categories)]);
        this.#digestState.unjournalled(() => {
          for (const id of removes) {
            const removed = this.#statements.remove.get(id);
            if (removed === undefined) throw new ReplicaError('REPLICA_DIGEST_MISMATCH', `delta ${delta.version} removes indicator ${id}, which the replica does not hold`);
            const [algorithm, hash, category] = removed as [string, Buffer, string];
            if (ready === undefined) accumulator.remove({ id, algorithm, hash, category });
            else if (!sameEntry({ id, algorithm, hash, category }, ready.removed.get(id) ?? { algorithm: '', hash: new Uint8Array(0), category: '' })) {
              throw new ReplicaError('REPLICA_DIGEST_MISMATCH', `indicator ${id} changed between preparing and applying delta ${delta.version}`);
            }
          }
          try {
            for (const e of adds) this.#statements.insert.run(e.id, e.algorithm, e.hash, e.category);
          } catch (cause) {
            throw new ReplicaError('REPLICA_DIGEST_MISMATCH', `delta ${delta.version} adds an indicator the replica already holds`, { cause });
          }
          if (ready === undefined) for (const e of adds) accumulator.add(e);
          else accumulator.merge(ready.change);
        });
        this.#checkDigest(delta.stateDigest, delta.stateDigestVersion ?? 1, accumulator, delta.version);
        this.#digestState.store(accumulator);
        this.#statements.setVersion.run(delta.feed, delta.version, delta.stateDigest);
        this.#recordSigners(signedBy);
        return { version: delta.version, replaced: false, removes, adds };
      })
      .immediate();
  }

  /**
   * The syncer's path for a delta with a version 2 digest (PROTOCOL 8.4, 9.3
   * step 5). The digest is checked before any row is written: the stored
   * accumulator plus the prepared change must equal the signed digest. The
   * rows are then written in slices of at most 128 rows and a few
   * milliseconds (`sliceRows` sets the rows, for tests), one transaction each, yielding to the event
   * loop in between, so that a scan served by the same
   * process waits for one slice at most, not for the whole delta
   * (bench:digest). Version, accumulator and mark change together in the
   * last transaction; a crash before it leaves the old version marked as
   * half-written, with the undo log each slice wrote, and the next open
   * rolls it back to the old version's rows. A version 1 delta
   * goes through `applyDelta` (its digest needs every row).
   */
  async applyDeltaInSlices(prepared: PreparedDelta, options: { readonly sliceRows?: number; readonly signedBy?: SignedBy } = {}): Promise<AppliedChange> {
    const { delta } = prepared;
    if ((delta.stateDigestVersion ?? 1) === 1) return this.applyDelta(delta, prepared, options.signedBy);
    const slices = { wrap: (slice: () => void) => this.#writeSlice(slice), maxSteps: options.sliceRows ?? DELTA_SLICE_ROWS };
    const removes = [...delta.removes.ids];
    const adds = delta.adds.flatMap((g) => [...groupEntries(g, delta.categories)]);
    // What a replacement a crash interrupted left behind (normally nothing: two catalogue lookups).
    await new ShadowTable(this.#db).discardLeftovers();
    const target = this.#db
      .transaction((): StateAccumulator => {
        const current = this.state();
        if (delta.previous !== current.version) {
          throw new ReplicaError('REPLICA_NOT_CONTIGUOUS', `delta ${delta.version} follows ${delta.previous}, the replica is at ${current.version}`);
        }
        if (this.#digestState.applying() !== null) {
          throw new ReplicaError('REPLICA_DIGEST_MISMATCH', `a delta was left half-written by a crash; delta ${delta.version} cannot follow it`);
        }
        const missing = removes.find((id) => !prepared.removed.has(id));
        if (missing !== undefined) throw new ReplicaError('REPLICA_DIGEST_MISMATCH', `delta ${delta.version} removes indicator ${missing}, which the replica does not hold`);
        const accumulator = this.#digestState.load(() => this.entries());
        accumulator.merge(prepared.change);
        this.#checkDigest(delta.stateDigest, 2, accumulator, delta.version);
        this.#digestState.markApplying(delta.version);
        this.#statements.undoClear.run();
        this.#statements.undoAdd.run(0, delta.version, null, null, null);
        return accumulator;
      })
      .immediate();
    await inTimeSlices(
      removes.length,
      (index) => {
        const id = removes[index] ?? 0;
        const removed = this.#statements.remove.get(id);
        const expected = prepared.removed.get(id);
        if (removed === undefined || expected === undefined) throw new ReplicaError('REPLICA_DIGEST_MISMATCH', `indicator ${id} vanished while delta ${delta.version} was written`);
        const [algorithm, hash, category] = removed as [string, Buffer, string];
        if (!sameEntry({ id, algorithm, hash, category }, expected)) throw new ReplicaError('REPLICA_DIGEST_MISMATCH', `indicator ${id} changed between preparing and applying delta ${delta.version}`);
        this.#statements.undoAdd.run(-1, id, algorithm, hash, category);
      },
      slices,
    );
    await inTimeSlices(
      adds.length,
      (index) => {
        const e = adds[index];
        if (e === undefined) return;
        try {
          this.#statements.insert.run(e.id, e.algorithm, e.hash, e.category);
        } catch (cause) {
          throw new ReplicaError('REPLICA_DIGEST_MISMATCH', `delta ${delta.version} adds an indicator the replica already holds`, { cause });
        }
        this.#statements.undoAdd.run(1, e.id, null, null, null);
      },
      slices,
    );
    await nextTurn();
    this.#db
      .transaction(() => {
        this.#digestState.store(target);
        this.#digestState.markApplying(null);
        this.#statements.undoClear.run();
        this.#statements.setVersion.run(delta.feed, delta.version, delta.stateDigest);
        this.#recordSigners(options.signedBy);
      })
      .immediate();
    return { version: delta.version, replaced: false, removes, adds };
  }

  /**
   * Which feed keys signed the object just written (PROTOCOL 4.7), in the
   * transaction that moves the version: recorded after it, a crash in
   * between would leave rows whose key a later revocation cannot find.
   */
  #recordSigners(signedBy: SignedBy | undefined): void {
    if (signedBy !== undefined) this.trust.recordSigned(signedBy.keys, signedBy.createdAt);
  }

  /** One slice of a delta's rows, in its own transaction, with the journal paused (the accumulator already counts them). */
  #writeSlice(writes: () => void): void {
    this.#db.transaction(() => this.#digestState.unjournalled(writes)).immediate();
  }

  /**
   * Hashes a delta's entries before its write transaction, in slices that
   * yield to the event loop (PROTOCOL 8.4), so that `applyDelta(delta,
   * prepared)` only writes rows and adds one 2048-byte sum: scans served by
   * the same process never wait for the hashing of a large delta. Rows are
   * read as held now; applyDelta refuses if one changed in between.
   */
  async prepareDelta(delta: Delta): Promise<PreparedDelta> {
    const removed = new Map<number, IndicatorEntry>();
    const ids = delta.removes.ids;
    // Random reads over a large table, some 10 µs each: they yield in slices too.
    await inTimeSlices(ids.length, (index) => {
      const id = ids[index] ?? 0;
      const row = this.#statements.row.get(id);
      if (row !== undefined) removed.set(id, { id, algorithm: row.algorithm, hash: row.hash, category: row.category });
    });
    const added = delta.adds.flatMap((g) => [...groupEntries(g, delta.categories)]);
    return { delta, removed, change: await StateAccumulator.ofChange({ added, removed: removed.values() }) };
  }

  /**
   * Checks a verified snapshot's digest against its entries before the
   * write transaction, in slices that yield to the event loop (PROTOCOL
   * 8.4): a snapshot carrying its accumulator costs one SHA-256 pass over
   * the entries and no LtHash expansion per entry; an older one has its
   * accumulator recomputed. REPLICA_DIGEST_MISMATCH when they disagree.
   */
  async prepareSnapshot(snapshot: Snapshot): Promise<PreparedSnapshot> {
    const entries = snapshot.groups.flatMap((g) => [...groupEntries(g, snapshot.categories)]).sort((a, b) => a.id - b.id);
    const accumulator = await snapshotAccumulator(snapshot, entries);
    if (accumulator === undefined) throw new ReplicaError('REPLICA_DIGEST_MISMATCH', `the snapshot of version ${snapshot.version} does not match its signed digest`);
    return { snapshot, entries, accumulator };
  }

  /**
   * Replaces the whole replica with a prepared snapshot in one transaction:
   * its rows, its accumulator (the journal, which described the rows
   * replaced, is emptied) and its version.
   */
  replaceWithSnapshot(prepared: PreparedSnapshot, signedBy?: SignedBy): AppliedChange {
    const { snapshot, entries, accumulator } = prepared;
    return this.#db
      .transaction((): AppliedChange => {
        this.#digestState.unjournalled(() => {
          this.#statements.clear.run();
          for (const e of entries) this.#statements.insert.run(e.id, e.algorithm, e.hash, e.category);
        });
        this.#digestState.replace(accumulator);
        this.trust.resetAfterSnapshot();
        this.#statements.setVersion.run(snapshot.feed, snapshot.version, snapshot.stateDigest);
        this.#recordSigners(signedBy);
        return { version: snapshot.version, replaced: true, removes: [], adds: entries };
      })
      .immediate();
  }

  /**
   * The syncer's path for a snapshot: as replaceWithSnapshot, but the rows
   * are written to a shadow table in slices that yield, and one short
   * transaction swaps it in with the version and the accumulator
   * (client/replica/shadow-table.ts). Until then the old rows and version
   * stay whole and keep serving.
   */
  async replaceWithSnapshotInSlices(prepared: PreparedSnapshot, options: { readonly sliceRows?: number; readonly signedBy?: SignedBy } = {}): Promise<AppliedChange> {
    const { snapshot, entries, accumulator } = prepared;
    const shadow = new ShadowTable(this.#db);
    await shadow.build(entries, options.sliceRows);
    await nextTurn();
    this.#db
      .transaction(() => {
        shadow.swap();
        this.#digestState.replace(accumulator);
        this.trust.resetAfterSnapshot();
        this.#statements.setVersion.run(snapshot.feed, snapshot.version, snapshot.stateDigest);
        this.#recordSigners(options.signedBy);
      })
      .immediate();
    // Prepared statements name the table, and SQLite re-prepares them against the swapped-in one.
    await shadow.discardLeftovers(options.sliceRows);
    return { version: snapshot.version, replaced: true, removes: [], adds: entries };
  }

  /** Records the verified tree head and timestamp (after the data they vouch for). */
  recordHead(checkpoint: { size: number; rootHash: Uint8Array; note: string }, timestamp: { version: number; issuedAt: number; expires: number }): void {
    this.#statements.setHead.run(checkpoint.size, checkpoint.rootHash, checkpoint.note, timestamp.version, timestamp.issuedAt, timestamp.expires);
  }

  recordSuccess(now: number): void {
    this.#statements.setSuccess.run(now);
  }

  #checkDigest(expected: Uint8Array, digestVersion: StateDigestVersion, accumulator: StateAccumulator, version: number): void {
    const actual = digestVersion === 1 ? computeStateDigestV1(this.entries()) : accumulator.digest();
    if (Buffer.compare(Buffer.from(actual), Buffer.from(expected)) !== 0) {
      throw new ReplicaError('REPLICA_DIGEST_MISMATCH', `after applying version ${version} the replica's digest differs from the signed one`);
    }
  }
}
