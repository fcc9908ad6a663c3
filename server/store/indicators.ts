import type { Db } from './database.ts';
import { CodedError } from '../../shared/errors.ts';
import { StoreError } from './errors.ts';

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
      find: db.prepare<[string, Buffer], { id: number; status: string }>('SELECT id, status FROM indicators WHERE algorithm = ? AND hash = ?'),
      byId: db.prepare<[number], IndicatorRow>('SELECT * FROM indicators WHERE id = ?'),
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
      approveBatch: db.prepare(
        `UPDATE indicators SET approved_by = ?, approved_at = ? WHERE status = 'pending' AND approved_at IS NULL
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
    const counts = { created: 0, confirmed: 0, unchanged: 0 };
    for (const row of rows) counts[this.addRow(batchId, authorityId, row, now, minConfirmations)]++;
    return { batchId, rows: rows.length, ...counts };
  }

  /** Starts a batch of `rowCount` rows; returns its id. */
  openBatch(authorityId: number, rowCount: number, now: number): number {
    return Number(this.#stmts.insertBatch.run(authorityId, now, rowCount).lastInsertRowid);
  }

  /** Adds one row of a batch; says whether it created an indicator, confirmed one, or changed nothing. */
  addRow(batchId: number, authorityId: number, row: Submission, now: number, minConfirmations: number): 'created' | 'confirmed' | 'unchanged' {
    const s = this.#stmts;
    const hash = Buffer.from(row.hash.buffer, row.hash.byteOffset, row.hash.byteLength);
    const existing = s.find.get(row.algorithm, hash);
    if (existing === undefined) {
      const id = Number(s.insert.run(row.algorithm, hash, row.category, batchId, now).lastInsertRowid);
      s.confirm.run(id, authorityId, row.reference, row.category, batchId, now, row.preview ?? null);
      return 'created'; // a new indicator has no removal to lift
    }
    const { id } = existing;
    const mine = s.confirmation.get(id, authorityId);
    if (existing.status === 'revoked') {
      // Submitting a revoked hash again starts it over as a pending candidate.
      s.resubmit.run(batchId, row.category, now, id);
    } else if (mine !== undefined && mine.withdrawn_at === null) {
      return 'unchanged';
    }
    s.confirm.run(id, authorityId, row.reference, row.category, batchId, now, row.preview ?? null);
    // A re-confirmation can lift an active indicator back over the two-source rule.
    if ((s.liveConfirmations.get(id)?.n ?? 0) >= minConfirmations) s.clearRemoval.run(id);
    return 'confirmed';
  }

  get(id: number): Indicator | undefined {
    const row = this.#stmts.byId.get(id);
    return row === undefined ? undefined : this.#toIndicator(row);
  }

  batch(id: number): { id: number; authorityId: number; createdAt: number; rowCount: number } | undefined {
    const row = this.#stmts.batch.get(id);
    return row === undefined ? undefined : { id: row.id, authorityId: row.authority_id, createdAt: row.created_at, rowCount: row.row_count };
  }

  /** Approves one pending indicator; false when it is not pending or already approved. */
  approve(id: number, operatorId: number, now: number): boolean {
    return this.#stmts.approve.run(operatorId, now, id).changes === 1;
  }

  /** Approves every pending indicator the batch confirmed; returns how many changed. */
  approveBatch(batchId: number, operatorId: number, now: number): number {
    return this.#stmts.approveBatch.run(operatorId, now, batchId).changes;
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
    const live = s.liveConfirmations.get(id)?.n ?? 0;
    let removal: 'none' | 'dropped' | 'queued' = 'none';
    if (live < minConfirmations) {
      if (s.dropPending.run(reason, id).changes === 1 || s.dropSuspended.run(reason, id).changes === 1) removal = 'dropped';
      else if (s.requestRemoval.run(reason, id).changes === 1) removal = 'queued';
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
    return this.#stmts.suspend.run(now, id).changes === 1;
  }

  /** Withdraws a suspension that no publication has announced yet; false when there is none. */
  liftSuspension(id: number): boolean {
    return this.#stmts.liftSuspension.run(id).changes === 1;
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
    const rows = this.#db.prepare<(string | number)[], IndicatorRow>(`SELECT i.* FROM indicators i WHERE ${where.join(' AND ')} ORDER BY i.id LIMIT ?`).all(...args);
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
