import type { Db } from './database.ts';
import { CodedError } from '../../shared/errors.ts';
import { StoreError } from './errors.ts';
import { isRecordSql } from './indicator-variants.ts';

const LINK = 'LEFT JOIN indicator_variants v ON v.indicator_id = i.id';

export const INDICATOR_STATUSES = ['pending', 'active', 'suspended', 'revoked'] as const;
export type IndicatorStatus = (typeof INDICATOR_STATUSES)[number];

/**
 * The tombstone reason of a suspension (a delta's reasonCodes entry,
 * docs/PROTOCOL.md): the Centre's own, never an authority's revocation reason.
 */
export const SUSPENDED_REASON = 'SUSPENDED';

/** INDICATOR_NOT_SUSPENDED (409): only a suspended indicator can be re-confirmed. */
export type IndicatorCode = 'INDICATOR_NOT_SUSPENDED';
export class IndicatorError extends CodedError<IndicatorCode> {}

export interface Confirmation {
  readonly authority: string;
  readonly reference: string;
  readonly category: string;
  readonly confirmedAt: number;
  readonly withdrawnAt: number | null;
  readonly withdrawnReason: string | null;
  /** When this authority last re-confirmed it after a suspension. */
  readonly reconfirmedAt: number | null;
}

export interface Indicator {
  readonly id: number;
  readonly algorithm: string;
  readonly hash: Uint8Array;
  readonly category: string;
  readonly status: IndicatorStatus;
  readonly batchId: number | null;
  readonly submittedAt: number;
  readonly approvedAt: number | null;
  readonly versionAdded: number | null;
  /** Set while an active indicator awaits removal at the next publication. */
  readonly removalReason: string | null;
  readonly versionRevoked: number | null;
  readonly revokedReason: string | null;
  /** The record this hash is a linked variant of (a crop: docs/HASHING.md, "Crops"), or null for a record itself. */
  readonly variantOf: number | null;
  /** When the quality loop suspended it: set from the request until it is re-confirmed or revoked. */
  readonly suspendedAt: number | null;
  /** Unfounded decisions count against it from this time (its last re-confirmation); null: from the start. */
  readonly qualitySince: number | null;
  readonly confirmations: readonly Confirmation[];
}

/**
 * Whether confirmation `c` counts toward reinstating an indicator suspended
 * at `suspendedAt`: live, and re-confirmed since the suspension (the rule
 * the store's `reconfirmations` count applies in reconfirm()).
 */
export const reconfirmedSince = (c: Confirmation, suspendedAt: number): boolean => c.withdrawnAt === null && c.reconfirmedAt !== null && c.reconfirmedAt >= suspendedAt;

/** One validated row of a submission. */
export interface Submission {
  readonly algorithm: string;
  readonly hash: Uint8Array;
  readonly category: string;
  readonly reference: string;
  /** The submitting authority's blurhash preview of the material, if it gave one (shown to reviewers). */
  readonly preview?: string | null;
  /**
   * Hashes of the same material under fixed edits (`hashfeed hash --variants
   * crops`), of the row's algorithm: each is stored as an indicator linked to
   * this row's record, confirmed, approved, published, suspended and revoked
   * with it, and counted as the record (one record counts once).
   */
  readonly variants?: readonly Uint8Array[];
}

export interface SubmitResult {
  readonly batchId: number;
  readonly rows: number;
  /** New indicators created. */
  readonly created: number;
  /** Existing indicators this authority now also confirms. */
  readonly confirmed: number;
  /** Rows this authority had already confirmed (idempotent re-upload). */
  readonly unchanged: number;
  /** Variant hashes linked to the batch's records (new, or confirmed again with their record). */
  readonly variants: number;
}

export interface IndicatorQuery {
  readonly status?: IndicatorStatus;
  readonly algorithm?: string;
  readonly category?: string;
  readonly batchId?: number;
  /** Only indicators this authority account confirms (or confirmed). */
  readonly authorityId?: number;
  /** Only approved (true) or unapproved (false) indicators. */
  readonly approved?: boolean;
  readonly afterId?: number;
  readonly limit: number;
}

type IndicatorRow = {
  id: number;
  algorithm: string;
  hash: Buffer;
  category: string;
  status: string;
  batch_id: number | null;
  submitted_at: number;
  approved_at: number | null;
  version_added: number | null;
  removal_reason: string | null;
  version_revoked: number | null;
  revoked_reason: string | null;
  suspended_at: number | null;
  quality_since: number | null;
  variant_of: number | null;
};

function isStatus(value: string): value is IndicatorStatus {
  return (INDICATOR_STATUSES as readonly string[]).includes(value);
}

/**
 * The indicator registry: submissions, confirmations, approvals,
 * revocation requests and suspensions. Every change of an indicator's
 * status is made here, except the two that publication makes, in the same
 * transaction as the delta that announces them (server/publish/publisher.ts:
 * pending -> active, and active -> revoked or, for a suspension, suspended):
 *
 *   pending   --approved, publish----------------------------> active
 *   pending   --too few confirmations-------------------------> revoked
 *   active    --removal requested, publish--------------------> revoked
 *   active    --suspension requested (quality loop), publish--> suspended
 *   suspended --re-confirmed by minConfirmations authorities--> pending (approval kept)
 *   suspended --too few confirmations (an authority revokes)--> revoked
 *   revoked   --submitted again-------------------------------> pending
 *
 * When a suspension is requested (or lifted before publication) is decided
 * by server/review/indicator-quality.ts. Every method expects to run inside the
 * caller's transaction, next to the audit record of the same write.
 */
export class IndicatorStore {
  readonly #db: Db;
  readonly #stmts;

  constructor(db: Db) {
    this.#db = db;
    this.#stmts = {
      find: db.prepare<[string, Buffer], { id: number; status: string; variant_of: number | null }>(
        'SELECT i.id, i.status, v.record_id AS variant_of FROM indicators i LEFT JOIN indicator_variants v ON v.indicator_id = i.id WHERE i.algorithm = ? AND i.hash = ?',
      ),
      recordOf: db.prepare<[number], { record: number }>('SELECT record_id AS record FROM indicator_variants WHERE indicator_id = ?'),
      variantsOf: db.prepare<[number], { id: number; algorithm: string; hash: Buffer }>(
        'SELECT i.id, i.algorithm, i.hash FROM indicator_variants v JOIN indicators i ON i.id = v.indicator_id WHERE v.record_id = ? ORDER BY i.id',
      ),
      link: db.prepare('INSERT INTO indicator_variants (indicator_id, record_id) VALUES (?, ?)'),
      byId: db.prepare<[number], IndicatorRow>(`SELECT i.*, v.record_id AS variant_of FROM indicators i ${LINK} WHERE i.id = ?`),
      insertBatch: db.prepare('INSERT INTO batches (authority_id, created_at, row_count) VALUES (?, ?, ?)'),
      insert: db.prepare(
        "INSERT INTO indicators (algorithm, hash, category, status, batch_id, submitted_at) VALUES (?, ?, ?, 'pending', ?, ?)",
      ),
      resubmit: db.prepare(
        "UPDATE indicators SET status = 'pending', batch_id = ?, category = ?, submitted_at = ?, approved_by = NULL, approved_at = NULL WHERE id = ? AND status = 'revoked'",
      ),
      confirmation: db.prepare<[number, number], { withdrawn_at: number | null }>(
        'SELECT withdrawn_at FROM confirmations WHERE indicator_id = ? AND authority_id = ?',
      ),
      confirm: db.prepare(
        `INSERT INTO confirmations (indicator_id, authority_id, reference, category, batch_id, confirmed_at, preview) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (indicator_id, authority_id) DO UPDATE SET reference = excluded.reference, category = excluded.category, preview = excluded.preview,
           batch_id = excluded.batch_id, confirmed_at = excluded.confirmed_at, withdrawn_at = NULL, withdrawn_reason = NULL`,
      ),
      liveConfirmations: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM confirmations WHERE indicator_id = ? AND withdrawn_at IS NULL'),
      confirmations: db.prepare<
        [number],
        { authority: string; reference: string; category: string; confirmed_at: number; withdrawn_at: number | null; withdrawn_reason: string | null; reconfirmed_at: number | null }
      >(
        `SELECT a.name AS authority, c.reference, c.category, c.confirmed_at, c.withdrawn_at, c.withdrawn_reason, c.reconfirmed_at
         FROM confirmations c JOIN accounts a ON a.id = c.authority_id WHERE c.indicator_id = ? ORDER BY c.confirmed_at, a.name`,
      ),
      confirmedBy: db.prepare<[number, number], { n: number }>('SELECT count(*) AS n FROM confirmations WHERE indicator_id = ? AND authority_id = ?'),
      reconfirm: db.prepare('UPDATE confirmations SET reconfirmed_at = ? WHERE indicator_id = ? AND authority_id = ? AND withdrawn_at IS NULL'),
      reconfirmations: db.prepare<[number, number], { n: number }>(
        'SELECT count(*) AS n FROM confirmations WHERE indicator_id = ? AND withdrawn_at IS NULL AND reconfirmed_at >= ?',
      ),
      // Back to a publishable candidate: it keeps its approval, so the next publication adds it (docs/SAFEGUARDS.md).
      reinstate: db.prepare("UPDATE indicators SET status = 'pending', suspended_at = NULL, quality_since = ? WHERE id = ? AND status = 'suspended'"),
      suspend: db.prepare(`UPDATE indicators SET removal_reason = '${SUSPENDED_REASON}', suspended_at = ? WHERE id = ? AND status = 'active' AND removal_reason IS NULL`),
      liftSuspension: db.prepare(
        `UPDATE indicators SET removal_reason = NULL, suspended_at = NULL WHERE id = ? AND status = 'active' AND removal_reason = '${SUSPENDED_REASON}'`,
      ),
      dropSuspended: db.prepare("UPDATE indicators SET status = 'revoked', revoked_reason = ?, suspended_at = NULL WHERE id = ? AND status = 'suspended'"),
      withdraw: db.prepare('UPDATE confirmations SET withdrawn_at = ?, withdrawn_reason = ? WHERE indicator_id = ? AND authority_id = ? AND withdrawn_at IS NULL'),
      // A new confirmation never lifts a suspension: only the quality loop does, before it is published.
      clearRemoval: db.prepare("UPDATE indicators SET removal_reason = NULL WHERE id = ? AND status = 'active' AND suspended_at IS NULL"),
      // An authority's own removal overrides a pending suspension: it goes with the authority's reason.
      requestRemoval: db.prepare("UPDATE indicators SET removal_reason = ?, suspended_at = NULL WHERE id = ? AND status = 'active'"),
      dropPending: db.prepare("UPDATE indicators SET status = 'revoked', revoked_reason = ? WHERE id = ? AND status = 'pending'"),
      approve: db.prepare("UPDATE indicators SET approved_by = ?, approved_at = ? WHERE id = ? AND status = 'pending' AND approved_at IS NULL"),
      // Records and their variants are approved by separate statements so that the count is of records.
      approveBatch: db.prepare(
        `UPDATE indicators SET approved_by = ?, approved_at = ? WHERE status = 'pending' AND approved_at IS NULL AND ${isRecordSql('id')}
         AND id IN (SELECT indicator_id FROM confirmations WHERE batch_id = ? AND withdrawn_at IS NULL)`,
      ),
      approveBatchVariants: db.prepare(
        `UPDATE indicators SET approved_by = ?, approved_at = ? WHERE status = 'pending' AND approved_at IS NULL AND NOT ${isRecordSql('id')}
         AND id IN (SELECT indicator_id FROM confirmations WHERE batch_id = ? AND withdrawn_at IS NULL)`,
      ),
      batch: db.prepare<[number], { id: number; authority_id: number; created_at: number; row_count: number }>('SELECT * FROM batches WHERE id = ?'),
    };
  }

  /**
   * Records a batch: a new hash becomes a pending indicator, a known one
   * gains this authority's confirmation (a hash is unique per algorithm).
   * All-or-nothing: the caller wraps it in one transaction. A large upload
   * goes through openBatch and addRow instead, in slices (ingest/import.ts).
   */
  submit(authorityId: number, rows: readonly Submission[], now: number, minConfirmations: number): SubmitResult {
    const batchId = this.openBatch(authorityId, rows.length, now);
    const counts = { created: 0, confirmed: 0, unchanged: 0, variants: 0 };
    for (const row of rows) {
      const added = this.addRow(batchId, authorityId, row, now, minConfirmations);
      counts[added.outcome]++;
      counts.variants += added.variants;
    }
    return { batchId, rows: rows.length, ...counts };
  }

  /** Starts a batch of `rowCount` rows; returns its id. */
  openBatch(authorityId: number, rowCount: number, now: number): number {
    return Number(this.#stmts.insertBatch.run(authorityId, now, rowCount).lastInsertRowid);
  }

  /**
   * Adds one row of a batch; says whether it created an indicator, confirmed
   * one, or changed nothing, and how many variant hashes it linked. The
   * row's confirmation is also a confirmation of every variant its record
   * already has, so that a record and its variants always stand together
   * under the two-source rule.
   */
  addRow(
    batchId: number,
    authorityId: number,
    row: Submission,
    now: number,
    minConfirmations: number,
  ): { outcome: 'created' | 'confirmed' | 'unchanged'; variants: number } {
    const s = this.#stmts;
    const { id, outcome } = this.#addHash(batchId, authorityId, row, toBuffer(row.hash), null, now, minConfirmations);
    // A hash already stored as a variant confirms that variant; its record is the one the new variants join.
    const record = s.recordOf.get(id)?.record ?? id;
    const linked = new Set<string>();
    let variants = 0;
    const link = (hash: Buffer): void => {
      const key = hash.toString('hex');
      if (linked.has(key)) return;
      linked.add(key);
      const existing = s.find.get(row.algorithm, hash);
      // A hash that is another record, or another record's variant, stays as it is.
      if (existing !== undefined && existing.variant_of !== record) return;
      if (existing === undefined) {
        const variant = Number(s.insert.run(row.algorithm, hash, row.category, batchId, now).lastInsertRowid);
        s.link.run(variant, record);
        s.confirm.run(variant, authorityId, row.reference, row.category, batchId, now, null);
        variants++;
        return;
      }
      if (this.#addHash(batchId, authorityId, { ...row, preview: null }, hash, existing, now, minConfirmations).outcome !== 'unchanged') variants++;
    };
    for (const hash of row.variants ?? []) link(toBuffer(hash));
    if (outcome !== 'unchanged') for (const v of s.variantsOf.all(record)) if (v.algorithm === row.algorithm) link(v.hash);
    return { outcome, variants };
  }

  /** One hash of a row: a new pending indicator, a confirmation of a known one, or nothing new. */
  #addHash(
    batchId: number,
    authorityId: number,
    row: Submission,
    hash: Buffer,
    known: { id: number; status: string } | null,
    now: number,
    minConfirmations: number,
  ): { id: number; outcome: 'created' | 'confirmed' | 'unchanged' } {
    const s = this.#stmts;
    const existing = known ?? s.find.get(row.algorithm, hash);
    if (existing === undefined) {
      const id = Number(s.insert.run(row.algorithm, hash, row.category, batchId, now).lastInsertRowid);
      s.confirm.run(id, authorityId, row.reference, row.category, batchId, now, row.preview ?? null);
      return { id, outcome: 'created' }; // a new indicator has no removal to lift
    }
    const { id } = existing;
    const mine = s.confirmation.get(id, authorityId);
    if (existing.status === 'revoked') {
      // Submitting a revoked hash again starts it over as a pending candidate.
      s.resubmit.run(batchId, row.category, now, id);
    } else if (mine !== undefined && mine.withdrawn_at === null) {
      return { id, outcome: 'unchanged' };
    }
    s.confirm.run(id, authorityId, row.reference, row.category, batchId, now, row.preview ?? null);
    // A re-confirmation can lift an active indicator back over the two-source rule.
    if ((s.liveConfirmations.get(id)?.n ?? 0) >= minConfirmations) s.clearRemoval.run(id);
    return { id, outcome: 'confirmed' };
  }

  /** The record an indicator id stands for: its own id, or the record it is a variant of. */
  recordOf(id: number): number {
    return this.#stmts.recordOf.get(id)?.record ?? id;
  }

  /** The ids of a record's linked variants, ascending. */
  variantsOf(recordId: number): number[] {
    return this.#stmts.variantsOf.all(recordId).map((v) => v.id);
  }

  get(id: number): Indicator | undefined {
    const row = this.#stmts.byId.get(id);
    return row === undefined ? undefined : this.#toIndicator(row);
  }

  batch(id: number): { id: number; authorityId: number; createdAt: number; rowCount: number } | undefined {
    const row = this.#stmts.batch.get(id);
    return row === undefined ? undefined : { id: row.id, authorityId: row.authority_id, createdAt: row.created_at, rowCount: row.row_count };
  }

  /** Approves one pending indicator with its variants; false when it is not pending or already approved. */
  approve(id: number, operatorId: number, now: number): boolean {
    const approved = this.#stmts.approve.run(operatorId, now, id).changes === 1;
    if (approved) for (const variant of this.variantsOf(id)) this.#stmts.approve.run(operatorId, now, variant);
    return approved;
  }

  /** Approves every pending indicator the batch confirmed, with their variants; returns how many records changed. */
  approveBatch(batchId: number, operatorId: number, now: number): number {
    const records = this.#stmts.approveBatch.run(operatorId, now, batchId).changes;
    this.#stmts.approveBatchVariants.run(operatorId, now, batchId);
    return records;
  }

  /**
   * An authority withdraws its confirmation. When too few confirmations
   * remain, a pending or suspended indicator (neither is in the feed) is
   * dropped at once, and an active one is queued for removal at the next
   * publication with `reason`.
   */
  revoke(id: number, authorityId: number, reason: string, now: number, minConfirmations: number): { indicator: Indicator; removal: 'none' | 'dropped' | 'queued' } {
    const s = this.#stmts;
    if (s.withdraw.run(now, reason, id, authorityId).changes !== 1) {
      throw new StoreError('STORE_NOT_FOUND', `indicator ${id} has no live confirmation from this authority`);
    }
    const withdraw = (target: number): 'none' | 'dropped' | 'queued' => {
      if ((s.liveConfirmations.get(target)?.n ?? 0) >= minConfirmations) return 'none';
      if (s.dropPending.run(reason, target).changes === 1 || s.dropSuspended.run(reason, target).changes === 1) return 'dropped';
      return s.requestRemoval.run(reason, target).changes === 1 ? 'queued' : 'none';
    };
    const removal = withdraw(id);
    // A record's variants go with it (a variant named directly is withdrawn alone).
    for (const variant of this.variantsOf(id)) {
      s.withdraw.run(now, reason, variant, authorityId);
      withdraw(variant);
    }
    const indicator = this.get(id);
    if (indicator === undefined) throw new StoreError('STORE_NOT_FOUND', `indicator ${id} does not exist`);
    return { indicator, removal };
  }

  /**
   * Queues an active indicator's suspension for the next publication
   * (tombstone reason SUSPENDED). False when it is not active or already
   * leaving the feed: there is nothing to suspend.
   */
  suspend(id: number, now: number): boolean {
    const suspended = this.#stmts.suspend.run(now, id).changes === 1;
    if (suspended) for (const variant of this.variantsOf(id)) this.#stmts.suspend.run(now, variant);
    return suspended;
  }

  /** Withdraws a suspension that no publication has announced yet, with its variants'; false when there is none. */
  liftSuspension(id: number): boolean {
    const lifted = this.#stmts.liftSuspension.run(id).changes === 1;
    if (lifted) for (const variant of this.variantsOf(id)) this.#stmts.liftSuspension.run(variant);
    return lifted;
  }

  /**
   * A confirming authority re-confirms a suspended indicator after
   * re-assessing it. Once `minConfirmations` authorities with live
   * confirmations have re-confirmed it since its suspension (the two-source
   * rule, as for a first publication), it is pending again with its
   * approval kept, so the next publication adds it back, and unfounded
   * decisions count against it afresh from now.
   */
  reconfirm(id: number, authorityId: number, now: number, minConfirmations: number): { indicator: Indicator; reconfirmations: number; reinstated: boolean } {
    const s = this.#stmts;
    const current = this.get(id);
    // To an authority that never confirmed it, an indicator does not exist (as GET /v1/indicators/{id} says): no hint of its status.
    if (current === undefined || (s.confirmedBy.get(id, authorityId)?.n ?? 0) === 0) throw new StoreError('STORE_NOT_FOUND', `indicator ${id} does not exist`);
    if (current.status !== 'suspended' || current.suspendedAt === null) throw new IndicatorError('INDICATOR_NOT_SUSPENDED', `indicator ${id} is ${current.status}, not suspended`);
    if (s.reconfirm.run(now, id, authorityId).changes !== 1) {
      throw new StoreError('STORE_NOT_FOUND', `indicator ${id} has no live confirmation from this authority`);
    }
    const reconfirmations = s.reconfirmations.get(id, current.suspendedAt)?.n ?? 0;
    const reinstated = reconfirmations >= minConfirmations && s.reinstate.run(now, id).changes === 1;
    // The record's re-assessment is its variants': they were suspended with it and come back with it.
    for (const variant of this.variantsOf(id)) {
      s.reconfirm.run(now, variant, authorityId);
      if (reinstated) s.reinstate.run(now, variant);
    }
    const indicator = this.get(id);
    if (indicator === undefined) throw new StoreError('STORE_NOT_FOUND', `indicator ${id} does not exist`);
    return { indicator, reconfirmations, reinstated };
  }

  query(q: IndicatorQuery): Indicator[] {
    const where: string[] = ['i.id > ?'];
    const args: (string | number)[] = [q.afterId ?? 0];
    if (q.status !== undefined) (where.push('i.status = ?'), args.push(q.status));
    if (q.algorithm !== undefined) (where.push('i.algorithm = ?'), args.push(q.algorithm));
    if (q.category !== undefined) (where.push('i.category = ?'), args.push(q.category));
    if (q.approved !== undefined) where.push(q.approved ? 'i.approved_at IS NOT NULL' : 'i.approved_at IS NULL');
    if (q.batchId !== undefined) (where.push('i.id IN (SELECT indicator_id FROM confirmations WHERE batch_id = ?)'), args.push(q.batchId));
    if (q.authorityId !== undefined) (where.push('i.id IN (SELECT indicator_id FROM confirmations WHERE authority_id = ?)'), args.push(q.authorityId));
    args.push(q.limit);
    const rows = this.#db.prepare<(string | number)[], IndicatorRow>(`SELECT i.*, v.record_id AS variant_of FROM indicators i ${LINK} WHERE ${where.join(' AND ')} ORDER BY i.id LIMIT ?`).all(...args);
    return rows.map((r) => this.#toIndicator(r));
  }

  #toIndicator(r: IndicatorRow): Indicator {
    if (!isStatus(r.status)) throw new StoreError('STORE_CONFLICT', `indicator ${r.id} has an unknown status`);
    return {
      id: r.id,
      algorithm: r.algorithm,
      hash: new Uint8Array(r.hash),
      category: r.category,
      status: r.status,
      batchId: r.batch_id,
      submittedAt: r.submitted_at,
      approvedAt: r.approved_at,
      versionAdded: r.version_added,
      removalReason: r.removal_reason,
      versionRevoked: r.version_revoked,
      revokedReason: r.revoked_reason,
      suspendedAt: r.suspended_at,
      qualitySince: r.quality_since,
      variantOf: r.variant_of ?? null,
      confirmations: this.#stmts.confirmations.all(r.id).map((c) => ({
        authority: c.authority,
        reference: c.reference,
        category: c.category,
        confirmedAt: c.confirmed_at,
        withdrawnAt: c.withdrawn_at,
        withdrawnReason: c.withdrawn_reason,
        reconfirmedAt: c.reconfirmed_at,
      })),
    };
  }
}

function toBuffer(hash: Uint8Array): Buffer {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength);
}
