import type Database from 'better-sqlite3';
import { bytesEqual } from '../../shared/crypto/index.ts';
import { ReportingError } from './errors.ts';

type Db = Database.Database;

export type QueueState = 'pending' | 'delivered' | 'failed';

export interface QueuedReport {
  readonly reportId: string;
  readonly envelope: Uint8Array;
  readonly attempts: number;
  readonly queuedAt: number;
}

export interface QueueCounts {
  readonly pending: number;
  readonly delivered: number;
  readonly failed: number;
}

export interface QueueEntry {
  readonly reportId: string;
  readonly state: QueueState;
  readonly attempts: number;
  readonly queuedAt: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
  readonly failedAt: number | null;
}

type EntryRow = {
  report_id: string;
  state: string;
  attempts: number;
  queued_at: number;
  next_attempt_at: number;
  last_error: string | null;
  delivered_at: number | null;
  failed_at: number | null;
};

const isState = (s: string): s is QueueState => s === 'pending' || s === 'delivered' || s === 'failed';

/**
 * Signed reports waiting for the Centre, in the replica database (table
 * `report_queue`): a report is committed here (synchronous=FULL) before the
 * match is answered, so neither a crash nor an unreachable Centre loses it.
 * A row leaves `pending` only when the Centre has acknowledged it
 * (`delivered`, the envelope then dropped: the Centre holds the evidence)
 * or refused it for good (`failed`, the envelope kept for an operator to
 * look at and `requeueFailed()`). Delivered rows are pruned after a
 * retention period (`pruneDelivered`).
 */
export class ReportQueue {
  readonly #insert;
  readonly #existing;
  readonly #due;
  readonly #delivered;
  readonly #retry;
  readonly #failed;
  readonly #counts;
  readonly #nextDue;
  readonly #entry;
  readonly #requeue;
  readonly #prune;

  constructor(db: Db) {
    this.#insert = db.prepare("INSERT INTO report_queue (report_id, envelope, state, queued_at, next_attempt_at) VALUES (?, ?, 'pending', ?, ?)");
    this.#existing = db.prepare<[string], { envelope: Buffer | null; state: string }>('SELECT envelope, state FROM report_queue WHERE report_id = ?');
    this.#due = db.prepare<[number, number, number], { report_id: string; envelope: Buffer; attempts: number; queued_at: number }>(
      "SELECT report_id, envelope, attempts, queued_at FROM report_queue WHERE state = 'pending' AND (next_attempt_at <= ? OR next_attempt_at > ?) ORDER BY next_attempt_at, rowid LIMIT ?",
    );
    this.#delivered = db.prepare("UPDATE report_queue SET state = 'delivered', envelope = NULL, delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE report_id = ? AND state = 'pending'");
    this.#retry = db.prepare("UPDATE report_queue SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE report_id = ? AND state = 'pending'");
    this.#failed = db.prepare("UPDATE report_queue SET state = 'failed', failed_at = ?, attempts = attempts + 1, last_error = ? WHERE report_id = ? AND state = 'pending'");
    this.#counts = db.prepare<[], { state: string; n: number }>('SELECT state, count(*) AS n FROM report_queue GROUP BY state');
    this.#nextDue = db.prepare<[], { at: number | null }>("SELECT min(next_attempt_at) AS at FROM report_queue WHERE state = 'pending'");
    this.#entry = db.prepare<[string], EntryRow>('SELECT report_id, state, attempts, queued_at, next_attempt_at, last_error, delivered_at, failed_at FROM report_queue WHERE report_id = ?');
    this.#requeue = db.prepare("UPDATE report_queue SET state = 'pending', failed_at = NULL, next_attempt_at = ? WHERE state = 'failed'");
    this.#prune = db.prepare("DELETE FROM report_queue WHERE state = 'delivered' AND delivered_at < ?");
  }

  /**
   * Queues a signed report, due at once. Queueing the same report again is
   * a no-op (false); other bytes under a queued reportId are
   * REPORT_QUEUE_CONFLICT.
   */
  enqueue(reportId: string, envelope: Uint8Array, now: number): boolean {
    const existing = this.#existing.get(reportId);
    if (existing !== undefined) {
      if (existing.envelope === null || bytesEqual(existing.envelope, envelope)) return false;
      throw new ReportingError('REPORT_QUEUE_CONFLICT', `report ${reportId} is already queued with other content`);
    }
    this.#insert.run(reportId, envelope, now, now);
    return true;
  }

  /**
   * Pending reports whose next attempt is due at `now`, oldest due first;
   * also those scheduled after `latestSane` (later than any wait the caller
   * can choose: the clock stepped back since), so that none waits out the step.
   */
  due(now: number, limit: number, latestSane = Number.MAX_SAFE_INTEGER): QueuedReport[] {
    return this.#due.all(now, latestSane, limit).map((r) => ({ reportId: r.report_id, envelope: new Uint8Array(r.envelope), attempts: r.attempts, queuedAt: r.queued_at }));
  }

  /** The Centre acknowledged it (201, or 200 as a duplicate). */
  markDelivered(reportId: string, now: number): void {
    this.#delivered.run(now, reportId);
  }

  /** Not delivered this time; try again at `nextAttemptAt`. */
  markRetry(reportId: string, nextAttemptAt: number, error: string): void {
    this.#retry.run(nextAttemptAt, error, reportId);
  }

  /** Refused for good (a 4xx about the report itself); kept with its code. */
  markFailed(reportId: string, error: string, now: number): void {
    this.#failed.run(now, error, reportId);
  }

  /** Puts every failed report back in line (after an operator fixed the cause). Returns how many. */
  requeueFailed(now: number): number {
    return this.#requeue.run(now).changes;
  }

  /**
   * Deletes delivered reports acknowledged more than `retentionMs` before
   * `now` (their envelopes are gone already; the Centre holds the evidence).
   * Pending and failed reports are never pruned. Returns how many.
   */
  pruneDelivered(now: number, retentionMs: number): number {
    return this.#prune.run(now - retentionMs).changes;
  }

  counts(): QueueCounts {
    const counts = { pending: 0, delivered: 0, failed: 0 };
    for (const row of this.#counts.all()) if (isState(row.state)) counts[row.state] = row.n;
    return counts;
  }

  /** When the earliest pending report is due, undefined when none is pending. */
  nextDueAt(): number | undefined {
    return this.#nextDue.get()?.at ?? undefined;
  }

  entry(reportId: string): QueueEntry | undefined {
    const row = this.#entry.get(reportId);
    if (row === undefined || !isState(row.state)) return undefined;
    return {
      reportId: row.report_id,
      state: row.state,
      attempts: row.attempts,
      queuedAt: row.queued_at,
      nextAttemptAt: row.next_attempt_at,
      lastError: row.last_error,
      deliveredAt: row.delivered_at,
      failedAt: row.failed_at,
    };
  }
}
