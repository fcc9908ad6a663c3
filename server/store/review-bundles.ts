import type { BundleReview, Decision, QaStatus, ReviewState, UnfoundedReason } from '../review/report-lifecycle.ts';
import { REVIEW_STATES, UNFOUNDED_REASONS } from '../review/report-lifecycle.ts';
import type { Db } from './database.ts';
import { StoreError } from './errors.ts';

/** A bundle as stored: its review state plus what the queue and the record need. */
export interface StoredBundle extends BundleReview {
  readonly id: number;
  readonly providerId: number;
  readonly subject: string;
  readonly openedAt: number;
  readonly urgent: boolean;
  readonly decidedAt: number | null;
  readonly reason: UnfoundedReason | null;
  readonly comment: string | null;
}

/** What a final decision adds to the state the lifecycle computed. */
export interface DecisionRecord {
  readonly decision: Decision;
  readonly reason: UnfoundedReason | null;
  readonly comment: string | null;
  readonly decidedAt: number;
}

type BundleRow = {
  id: number;
  provider_id: number;
  subject: string;
  opened_at: number;
  urgent: number;
  state: string;
  claimed_by: string | null;
  lease_until: number | null;
  decided_by: string | null;
  decided_at: number | null;
  reason: string | null;
  comment: string | null;
  qa: string;
  qa_claimed_by: string | null;
  qa_lease_until: number | null;
};

const QA_STATUSES: readonly QaStatus[] = ['none', 'pending', 'agreed', 'disagreed'];
const isState = (v: string): v is ReviewState => (REVIEW_STATES as readonly string[]).includes(v);
const isQa = (v: string): v is QaStatus => (QA_STATUSES as readonly string[]).includes(v);
const isReason = (v: string): v is UnfoundedReason => (UNFOUNDED_REASONS as readonly string[]).includes(v);

/** A bundle holds at most this many reports; the next one of the same kind opens a new bundle. */
export const MAX_BUNDLE_REPORTS = 100;

/**
 * Review bundles and which report is in which. Plain reads and writes:
 * server/review/review-desk.ts decides what to write (through the
 * lifecycle) and runs each change in one transaction. Call writes inside
 * Centre.write.
 */
export class ReviewBundleStore {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      insertBundle: db.prepare('INSERT INTO review_bundles (provider_id, subject, opened_at, urgent, state) VALUES (?, ?, ?, ?, ?)'),
      joinable: db.prepare<[number, string, number, string, number], { id: number }>(
        `SELECT b.id FROM review_bundles b
         WHERE b.provider_id = ? AND b.subject = ? AND b.state = 'received' AND b.opened_at >= ?
           AND EXISTS (SELECT 1 FROM report_reviews rr JOIN report_indicators ri ON ri.report_id = rr.report_id
                       WHERE rr.bundle_id = b.id AND ri.indicator_id IN (SELECT value FROM json_each(?)))
           AND (SELECT count(*) FROM report_reviews WHERE bundle_id = b.id) < ?
         ORDER BY b.id LIMIT 1`,
      ),
      markUrgent: db.prepare('UPDATE review_bundles SET urgent = 1 WHERE id = ?'),
      insertMember: db.prepare('INSERT INTO report_reviews (report_id, bundle_id) VALUES (?, ?)'),
      insertIndicator: db.prepare('INSERT OR IGNORE INTO report_indicators (indicator_id, report_id) VALUES (?, ?)'),
      byId: db.prepare<[number], BundleRow>('SELECT * FROM review_bundles WHERE id = ?'),
      ofReport: db.prepare<[string], BundleRow>('SELECT b.* FROM review_bundles b JOIN report_reviews rr ON rr.bundle_id = b.id WHERE rr.report_id = ?'),
      members: db.prepare<[number], { report_id: string }>(
        'SELECT rr.report_id FROM report_reviews rr JOIN reports r ON r.report_id = rr.report_id WHERE rr.bundle_id = ? ORDER BY r.id',
      ),
      update: db.prepare(
        `UPDATE review_bundles SET state = ?, claimed_by = ?, lease_until = ?, decided_by = ?, decided_at = ?, reason = ?, comment = ?,
           qa = ?, qa_claimed_by = ?, qa_lease_until = ? WHERE id = ?`,
      ),
      // Urgent first, then oldest first; a lapsed lease counts as queued again.
      nextQueued: db.prepare<[number], BundleRow>(
        `SELECT * FROM review_bundles WHERE state = 'received' OR (state = 'in_review' AND lease_until <= ?)
         ORDER BY urgent DESC, opened_at, id LIMIT 1`,
      ),
      heldBy: db.prepare<[string, number], BundleRow>("SELECT * FROM review_bundles WHERE state = 'in_review' AND claimed_by = ? AND lease_until > ? ORDER BY id LIMIT 1"),
      qaHeldBy: db.prepare<[string, number], BundleRow>(
        "SELECT * FROM review_bundles WHERE qa = 'pending' AND qa_claimed_by = ? AND qa_lease_until > ? ORDER BY id LIMIT 1",
      ),
      lapsed: db.prepare<[number], BundleRow>("SELECT * FROM review_bundles WHERE state = 'in_review' AND lease_until <= ? ORDER BY id"),
      nextQa: db.prepare<[string, number], BundleRow>(
        `SELECT * FROM review_bundles WHERE qa = 'pending' AND decided_by IS NOT ? AND (qa_lease_until IS NULL OR qa_lease_until <= ?)
         ORDER BY urgent DESC, decided_at, id LIMIT 1`,
      ),
      anyPurged: db.prepare<[number], { n: number }>(
        'SELECT count(*) AS n FROM report_reviews rr JOIN reports r ON r.report_id = rr.report_id WHERE rr.bundle_id = ? AND r.purged_at IS NOT NULL',
      ),
      insertDecision: db.prepare('INSERT INTO review_decisions (bundle_id, decision, reason, comment, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?)'),
    };
  }

  /**
   * The queued bundle a new report joins (same provider and subject, a
   * shared indicator, opened since `since`), if any. Never a claimed one:
   * a reviewer decides exactly the reports they were shown.
   */
  joinable(providerId: number, subject: string, indicatorIds: readonly number[], since: number): number | undefined {
    return this.#statements.joinable.get(providerId, subject, since, JSON.stringify(indicatorIds), MAX_BUNDLE_REPORTS)?.id;
  }

  open(providerId: number, subject: string, urgent: boolean, now: number): number {
    return Number(this.#statements.insertBundle.run(providerId, subject, now, urgent ? 1 : 0, 'received').lastInsertRowid);
  }

  /** Puts a report in a bundle (for ever) and indexes the indicators it cites. */
  addReport(bundleId: number, reportId: string, indicatorIds: readonly number[], urgent: boolean): void {
    this.#statements.insertMember.run(reportId, bundleId);
    for (const id of indicatorIds) this.#statements.insertIndicator.run(id, reportId);
    if (urgent) this.#statements.markUrgent.run(bundleId);
  }

  byId(id: number): StoredBundle | undefined {
    const row = this.#statements.byId.get(id);
    return row === undefined ? undefined : toBundle(row);
  }

  ofReport(reportId: string): StoredBundle | undefined {
    const row = this.#statements.ofReport.get(reportId);
    return row === undefined ? undefined : toBundle(row);
  }

  /** The bundle's report ids, in the order received. */
  reportIds(bundleId: number): string[] {
    return this.#statements.members.all(bundleId).map((r) => r.report_id);
  }

  /** True when retention purged any report of the bundle. */
  anyPurged(bundleId: number): boolean {
    return (this.#statements.anyPurged.get(bundleId)?.n ?? 0) > 0;
  }

  nextQueued(now: number): StoredBundle | undefined {
    const row = this.#statements.nextQueued.get(now);
    return row === undefined ? undefined : toBundle(row);
  }

  /** The bundle `reviewer` holds a live lease on, if any. */
  heldBy(reviewer: string, now: number): StoredBundle | undefined {
    const row = this.#statements.heldBy.get(reviewer, now);
    return row === undefined ? undefined : toBundle(row);
  }

  /** The QA check `reviewer` holds a live lease on, if any. */
  qaHeldBy(reviewer: string, now: number): StoredBundle | undefined {
    const row = this.#statements.qaHeldBy.get(reviewer, now);
    return row === undefined ? undefined : toBundle(row);
  }

  lapsed(now: number): StoredBundle[] {
    return this.#statements.lapsed.all(now).map(toBundle);
  }

  nextQa(reviewer: string, now: number): StoredBundle | undefined {
    const row = this.#statements.nextQa.get(reviewer, now);
    return row === undefined ? undefined : toBundle(row);
  }

  /** Writes the lifecycle's next state; a final one carries its decision record, which is also kept for ever. */
  save(id: number, next: BundleReview, decision?: DecisionRecord): void {
    const final = next.state === 'unfounded' || next.state === 'forwarded';
    const current = this.byId(id);
    if (current === undefined) throw new StoreError('STORE_NOT_FOUND', `bundle ${id} does not exist`);
    const record = decision ?? (final ? { decision: next.state, reason: current.reason, comment: current.comment, decidedAt: current.decidedAt } : undefined);
    this.#statements.update.run(
      next.state,
      next.claimedBy,
      next.leaseUntil,
      next.decidedBy,
      record?.decidedAt ?? null,
      record?.reason ?? null,
      record?.comment ?? null,
      next.qa,
      next.qaClaimedBy,
      next.qaLeaseUntil,
      id,
    );
    if (decision !== undefined && next.decidedBy !== null) {
      this.#statements.insertDecision.run(id, decision.decision, decision.reason, decision.comment, next.decidedBy, decision.decidedAt);
    }
  }
}

function toBundle(row: BundleRow): StoredBundle {
  if (!isState(row.state) || !isQa(row.qa) || (row.reason !== null && !isReason(row.reason))) {
    throw new StoreError('STORE_CONFLICT', `review bundle ${row.id} holds an unknown state`);
  }
  return {
    id: row.id,
    providerId: row.provider_id,
    subject: row.subject,
    openedAt: row.opened_at,
    urgent: row.urgent === 1,
    state: row.state,
    claimedBy: row.claimed_by,
    leaseUntil: row.lease_until,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    reason: row.reason !== null && isReason(row.reason) ? row.reason : null,
    comment: row.comment,
    qa: row.qa,
    qaClaimedBy: row.qa_claimed_by,
    qaLeaseUntil: row.qa_lease_until,
  };
}
