import type Database from 'better-sqlite3';

type Db = Database.Database;

/** One report waiting for the platform's webhook: its newest state (seq) and how delivery went so far. */
export interface QueuedDecision {
  readonly reportId: string;
  readonly seq: number;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
}

type Row = { report_id: string; seq: number; attempts: number; next_attempt_at: number; last_error: string | null };
const toQueued = (r: Row): QueuedDecision => ({ reportId: r.report_id, seq: r.seq, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error });

/**
 * The webhook's durable queue (replica table `decision_webhook_queue`, one
 * row per report): DecisionBook fills it in the transaction that stores a
 * decision; a delivered row goes, unless a newer state replaced it
 * meanwhile, which is then delivered in turn.
 */
export class WebhookQueue {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      // A due time further ahead than `horizon` was set by a clock since stepped back: due now.
      due: db.prepare<[number, number, number], Row>(
        'SELECT report_id, seq, attempts, next_attempt_at, last_error FROM decision_webhook_queue WHERE next_attempt_at <= ? OR next_attempt_at > ? ORDER BY next_attempt_at, seq LIMIT ?',
      ),
      delivered: db.prepare('DELETE FROM decision_webhook_queue WHERE report_id = ? AND seq = ?'),
      retry: db.prepare('UPDATE decision_webhook_queue SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE report_id = ? AND seq = ?'),
      depth: db.prepare<[], { pending: number }>('SELECT count(*) AS pending FROM decision_webhook_queue'),
      nextDue: db.prepare<[], { at: number | null }>('SELECT min(next_attempt_at) AS at FROM decision_webhook_queue'),
      all: db.prepare<[], Row>('SELECT report_id, seq, attempts, next_attempt_at, last_error FROM decision_webhook_queue ORDER BY report_id'),
    };
  }

  due(now: number, horizon: number, limit: number): QueuedDecision[] {
    return this.#statements.due.all(now, now + horizon, limit).map(toQueued);
  }

  delivered(reportId: string, seq: number): void {
    this.#statements.delivered.run(reportId, seq);
  }

  retry(reportId: string, seq: number, nextAttemptAt: number, error: string): void {
    this.#statements.retry.run(nextAttemptAt, error, reportId, seq);
  }

  /** Deliveries waiting (due or backing off): the gauge `hashfeed_decision_webhook_queue`. */
  depth(): number {
    return this.#statements.depth.get()?.pending ?? 0;
  }

  nextDueAt(): number | undefined {
    return this.#statements.nextDue.get()?.at ?? undefined;
  }

  /** Every queued row (tests). */
  list(): QueuedDecision[] {
    return this.#statements.all.all().map(toQueued);
  }
}
