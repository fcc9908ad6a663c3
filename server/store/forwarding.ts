import type { Db } from './database.ts';

/** One report as it sits in a recipient's inbox. */
export interface InboxItem {
  /** The inbox cursor (`after=`). */
  readonly id: number;
  readonly reportId: string;
  readonly decision: 'forwarded' | 'unfounded';
  readonly decidedAt: number;
  readonly deliveredAt: number;
  readonly ackedAt: number | null;
  /** The provider's report envelope, exactly as signed; null once retention purged it. */
  readonly reportEnvelope: Uint8Array | null;
  /** When retention purged the report (server/review/retention.ts), else null. */
  readonly purgedAt: number | null;
  /** The Centre's signed forwarding record. */
  readonly recordEnvelope: Uint8Array;
}

/** A recipient's request that the provider preserve the content and stay silent until `until`. */
export interface ReportHold {
  readonly reportId: string;
  readonly account: string;
  readonly until: number;
  readonly requestedAt: number;
}

type ItemRow = {
  id: number;
  report_id: string;
  decision: string;
  decided_at: number;
  delivered_at: number;
  acked_at: number | null;
  report_envelope: Buffer;
  record_envelope: Buffer;
  purged_at: number | null;
};

/**
 * Signed forwarding records, the inbox items that deliver them, and holds.
 * Plain reads and writes; server/review/forwarding.ts and the inbox routes
 * decide. Call writes inside Centre.write.
 */
export class ForwardingStore {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      latestDecision: db.prepare<[number], { id: number }>('SELECT id FROM review_decisions WHERE bundle_id = ? ORDER BY id DESC LIMIT 1'),
      insertRecord: db.prepare('INSERT INTO forwarding_records (report_id, decision_id, decision, decided_at, envelope) VALUES (?, ?, ?, ?, ?)'),
      insertItem: db.prepare('INSERT INTO inbox_items (account_id, report_id, record_id, delivered_at) VALUES (?, ?, ?, ?)'),
      forwardedTo: db.prepare<[string], { account_id: number }>(
        `SELECT DISTINCT i.account_id FROM inbox_items i JOIN forwarding_records f ON f.id = i.record_id
         WHERE i.report_id = ? AND f.decision = 'forwarded' ORDER BY i.account_id`,
      ),
      page: db.prepare<[number, number, number], ItemRow>(
        `SELECT i.id, i.report_id, f.decision, f.decided_at, i.delivered_at, i.acked_at, r.envelope AS report_envelope, f.envelope AS record_envelope, r.purged_at
         FROM inbox_items i JOIN forwarding_records f ON f.id = i.record_id JOIN reports r ON r.report_id = i.report_id
         WHERE i.account_id = ? AND i.id > ? ORDER BY i.id LIMIT ?`,
      ),
      itemsOfReport: db.prepare<[number, string, number], ItemRow>(
        `SELECT i.id, i.report_id, f.decision, f.decided_at, i.delivered_at, i.acked_at, r.envelope AS report_envelope, f.envelope AS record_envelope, r.purged_at
         FROM inbox_items i JOIN forwarding_records f ON f.id = i.record_id JOIN reports r ON r.report_id = i.report_id
         WHERE i.account_id = ? AND i.report_id = ? ORDER BY i.id LIMIT ?`,
      ),
      reportEnvelope: db.prepare<[string], { envelope: Buffer }>('SELECT envelope FROM reports WHERE report_id = ?'),
      routed: db.prepare<[number, string], { n: number }>('SELECT count(*) AS n FROM inbox_items WHERE account_id = ? AND report_id = ?'),
      ack: db.prepare('UPDATE inbox_items SET acked_at = ? WHERE account_id = ? AND report_id = ? AND acked_at IS NULL'),
      insertHold: db.prepare('INSERT INTO report_holds (report_id, account_id, hold_until, requested_at) VALUES (?, ?, ?, ?)'),
      holdsOf: db.prepare<[string], { report_id: string; account: string; hold_until: number; requested_at: number }>(
        `SELECT h.report_id, a.name AS account, h.hold_until, h.requested_at FROM report_holds h JOIN accounts a ON a.id = h.account_id
         WHERE h.report_id = ? ORDER BY h.id`,
      ),
      holdsAfter: db.prepare<[number, number], { id: number; report_id: string; account: string; hold_until: number; requested_at: number }>(
        `SELECT h.id, h.report_id, a.name AS account, h.hold_until, h.requested_at FROM report_holds h JOIN accounts a ON a.id = h.account_id
         WHERE h.id > ? ORDER BY h.id LIMIT ?`,
      ),
    };
  }

  /** The id of the bundle's standing decision record (review_decisions). */
  latestDecisionId(bundleId: number): number | undefined {
    return this.#statements.latestDecision.get(bundleId)?.id;
  }

  addRecord(reportId: string, decisionId: number, decision: 'forwarded' | 'unfounded', decidedAt: number, envelope: Uint8Array): number {
    return Number(this.#statements.insertRecord.run(reportId, decisionId, decision, decidedAt, envelope).lastInsertRowid);
  }

  deliver(accountId: number, reportId: string, recordId: number, now: number): void {
    this.#statements.insertItem.run(accountId, reportId, recordId, now);
  }

  /** The accounts a report was ever forwarded to (told again if it is later judged unfounded). */
  forwardedTo(reportId: string): number[] {
    return this.#statements.forwardedTo.all(reportId).map((r) => r.account_id);
  }

  inbox(accountId: number, afterId: number, limit: number): InboxItem[] {
    return this.#statements.page.all(accountId, afterId, limit).map(toItem);
  }

  /** One report's items in this account's inbox, oldest first (a report forwarded, reopened and judged unfounded has two). */
  itemsOf(accountId: number, reportId: string, limit: number): InboxItem[] {
    return this.#statements.itemsOfReport.all(accountId, reportId, limit).map(toItem);
  }

  /** The provider's report envelope exactly as stored (and served in inboxes). */
  reportEnvelope(reportId: string): Uint8Array | undefined {
    const row = this.#statements.reportEnvelope.get(reportId);
    return row === undefined ? undefined : new Uint8Array(row.envelope);
  }

  /** True when the report reached this account's inbox. */
  routedTo(accountId: number, reportId: string): boolean {
    return (this.#statements.routed.get(accountId, reportId)?.n ?? 0) > 0;
  }

  /** Acknowledges every unacknowledged item of the report in this account's inbox; how many. */
  ack(accountId: number, reportId: string, now: number): number {
    return this.#statements.ack.run(now, accountId, reportId).changes;
  }

  addHold(reportId: string, accountId: number, until: number, now: number): void {
    this.#statements.insertHold.run(reportId, accountId, until, now);
  }

  holdsOf(reportId: string): ReportHold[] {
    return this.#statements.holdsOf.all(reportId).map((r) => ({ reportId: r.report_id, account: r.account, until: r.hold_until, requestedAt: r.requested_at }));
  }

  /** Every hold in the order requested, after the cursor `afterId`: for carrying them to providers. */
  holdsAfter(afterId: number, limit: number): (ReportHold & { id: number })[] {
    return this.#statements.holdsAfter.all(afterId, limit).map((r) => ({ id: r.id, reportId: r.report_id, account: r.account, until: r.hold_until, requestedAt: r.requested_at }));
  }
}

function toItem(r: ItemRow): InboxItem {
  return {
    id: r.id,
    reportId: r.report_id,
    decision: r.decision === 'unfounded' ? 'unfounded' : 'forwarded',
    decidedAt: r.decided_at,
    deliveredAt: r.delivered_at,
    ackedAt: r.acked_at,
    reportEnvelope: r.purged_at === null ? new Uint8Array(r.report_envelope) : null,
    purgedAt: r.purged_at,
    recordEnvelope: new Uint8Array(r.record_envelope),
  };
}
