import type Database from 'better-sqlite3';
import { DECISION_REASONS, type DecisionEntry, type DecisionList } from '../../shared/wire/decision-list.ts';
import { DEFAULT_MAX_CLOCK_SKEW_MS, isFromFuture } from '../replica/trusted-state.ts';
import { DecisionsError } from './errors.ts';

type Db = Database.Database;
type HeldRow = { provider: string; issued_at: number; cursor: number };
type DecisionRow = { seq: number; report_id: string; decision: string; reason: string | null; hold_until: number | null; received_at: number };

/** A report's newest state as held, with when this sidecar received it. */
export interface HeldDecision extends DecisionEntry {
  readonly receivedAt: number;
}

/**
 * What became of this provider's reports, as the Centre told it: the
 * replica's tables `decision_list` (the held list's provider, issuedAt and
 * cursor) and `decisions` (each report's newest state). Each accepted
 * entry also queues the report for the webhook, when one is configured,
 * in the same transaction: a crash loses neither.
 *
 * The book holds one provider's decisions only. Opened for another
 * provider than the held list's (the sidecar was reconfigured to another
 * account), it deletes the old provider's list, decisions and webhook
 * queue in one transaction (as OrderSet ignores an order list persisted
 * for another provider): none is served or delivered under the new
 * account, and the new provider's decisions come again from 0.
 */
export class DecisionBook {
  readonly provider: string;
  readonly maxClockSkewMs: number;
  readonly #webhook: boolean;
  readonly #statements;
  readonly #acceptEntries: (list: DecisionList, now: number) => void;

  constructor(db: Db, provider: string, options: { readonly maxClockSkewMs?: number; readonly webhook?: boolean } = {}) {
    this.provider = provider;
    forgetOtherProvider(db, provider);
    this.maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    this.#webhook = options.webhook ?? false;
    this.#statements = {
      held: db.prepare<[], HeldRow>('SELECT provider, issued_at, cursor FROM decision_list WHERE id = 1'),
      saveHeld: db.prepare(
        `INSERT INTO decision_list (id, provider, issued_at, cursor, accepted_at) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, issued_at = excluded.issued_at, cursor = excluded.cursor, accepted_at = excluded.accepted_at`,
      ),
      // A report's newer state replaces its older one; an older never replaces a newer.
      upsert: db.prepare(
        `INSERT INTO decisions (report_id, seq, decision, reason, hold_until, received_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (report_id) DO UPDATE SET seq = excluded.seq, decision = excluded.decision, reason = excluded.reason,
           hold_until = excluded.hold_until, received_at = excluded.received_at WHERE excluded.seq > decisions.seq`,
      ),
      enqueue: db.prepare(
        `INSERT INTO decision_webhook_queue (report_id, seq, attempts, next_attempt_at, last_error) VALUES (?, ?, 0, ?, NULL)
         ON CONFLICT (report_id) DO UPDATE SET seq = excluded.seq, attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = NULL
         WHERE excluded.seq > decision_webhook_queue.seq`,
      ),
      after: db.prepare<[number, number], DecisionRow>('SELECT seq, report_id, decision, reason, hold_until, received_at FROM decisions WHERE seq > ? ORDER BY seq LIMIT ?'),
      ofReport: db.prepare<[string], DecisionRow>('SELECT seq, report_id, decision, reason, hold_until, received_at FROM decisions WHERE report_id = ?'),
    };
    this.#acceptEntries = db.transaction((list: DecisionList, now: number) => {
      for (const entry of list.entries) {
        this.#statements.upsert.run(entry.reportId, entry.seq, entry.decision, entry.reason ?? null, entry.hold?.until ?? null, now);
        if (this.#webhook) this.#statements.enqueue.run(entry.reportId, entry.seq, now);
      }
      this.#statements.saveHeld.run(list.provider, list.issuedAt, list.entries.at(-1)?.seq ?? list.since, now);
    });
  }

  /** The cursor to ask after (`GET /v1/feed/decisions?since=`): the last seq taken, 0 before the first (or after a change of provider). */
  get cursor(): number {
    return this.#held()?.cursor ?? 0;
  }

  /** When the held list was issued, undefined before the first. */
  get issuedAt(): number | undefined {
    return this.#held()?.issued_at;
  }

  /**
   * Called by the trusted store only (TrustedStore.acceptDecisionList), once
   * the envelope verified under a `provider-list` key: PROTOCOL 12.3 steps 4
   * to 7. This provider's list (DECISIONS_WRONG_PROVIDER), not from the
   * future (DECISIONS_FROM_FUTURE), not issued before the held one
   * (DECISIONS_ROLLBACK; equal is fine, pages follow each other within a
   * millisecond), starting at the cursor held (DECISIONS_OUT_OF_SEQUENCE).
   * Stores the entries, moves the cursor and queues webhook deliveries in
   * one transaction.
   */
  accept(list: DecisionList, now: number): void {
    if (list.provider !== this.provider) {
      throw new DecisionsError('DECISIONS_WRONG_PROVIDER', `the decisions list is for '${list.provider}', this sidecar is '${this.provider}'`);
    }
    if (isFromFuture(list.issuedAt, now, this.maxClockSkewMs)) {
      throw new DecisionsError('DECISIONS_FROM_FUTURE', `the decisions list was issued ${Math.round((list.issuedAt - now) / 1000)} s ahead of this sidecar's clock`);
    }
    const held = this.#held();
    if (held !== undefined && list.issuedAt < held.issued_at && !isFromFuture(held.issued_at, now, this.maxClockSkewMs)) {
      throw new DecisionsError('DECISIONS_ROLLBACK', `the decisions list was issued at ${list.issuedAt}, before the one held (${held.issued_at})`);
    }
    const cursor = held?.cursor ?? 0;
    if (list.since !== cursor) throw new DecisionsError('DECISIONS_OUT_OF_SEQUENCE', `the decisions list starts after ${list.since}; this sidecar holds everything up to ${cursor}`);
    this.#acceptEntries(list, now);
  }

  /** Held decisions with seq above `after`, oldest first: what GET /v1/decisions serves. */
  after(after: number, limit: number): HeldDecision[] {
    return this.#statements.after.all(after, limit).map(toHeld);
  }

  of(reportId: string): HeldDecision | undefined {
    const row = this.#statements.ofReport.get(reportId);
    return row === undefined ? undefined : toHeld(row);
  }

  #held(): HeldRow | undefined {
    const row = this.#statements.held.get();
    // Another provider's list was deleted on opening; this stays so that no such row is ever trusted.
    return row !== undefined && row.provider === this.provider ? row : undefined;
  }
}

/**
 * The tables carry no provider: every row was written with the list held,
 * so when that list is another provider's, all of them are its. Deleted
 * rather than filtered: the new provider's cursor starts at 0 anyway, so
 * nothing of its own is lost, and a return to the old account fetches its
 * decisions again from 0 (the webhook's receiver is idempotent by delivery id).
 */
function forgetOtherProvider(db: Db, provider: string): void {
  db.transaction(() => {
    const held = db.prepare<[], { provider: string }>('SELECT provider FROM decision_list WHERE id = 1').get();
    if (held === undefined || held.provider === provider) return;
    db.prepare('DELETE FROM decision_webhook_queue').run();
    db.prepare('DELETE FROM decisions').run();
    db.prepare('DELETE FROM decision_list').run();
  }).immediate();
}

function toHeld(row: DecisionRow): HeldDecision {
  const hold = row.hold_until === null ? {} : { hold: { until: row.hold_until } };
  const base = { seq: row.seq, reportId: row.report_id, receivedAt: row.received_at, ...hold };
  if (row.decision !== 'unfounded') return { ...base, decision: 'forwarded' };
  return { ...base, decision: 'unfounded', reason: DECISION_REASONS.find((r) => r === row.reason) ?? 'other' };
}
