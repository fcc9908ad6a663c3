import type { Db } from './database.ts';

/** One entry of a provider's decisions feed: a report's whole state as its provider is told it. */
export interface ProviderDecisionRow {
  readonly seq: number;
  readonly reportId: string;
  readonly decision: 'forwarded' | 'unfounded';
  /** Set exactly for `unfounded` (the table's CHECK keeps it so). */
  readonly reason: string | null;
  readonly holdUntil: number | null;
}

type Row = { seq: number; report_id: string; decision: string; reason: string | null; hold_until: number | null };

const toEntry = (r: Row): ProviderDecisionRow => ({
  seq: r.seq,
  reportId: r.report_id,
  decision: r.decision === 'unfounded' ? 'unfounded' : 'forwarded',
  reason: r.reason,
  holdUntil: r.hold_until,
});

/**
 * The append-only table behind `GET /v1/feed/decisions`. Plain reads and
 * writes; server/review/provider-decisions.ts decides what an entry says.
 * Call writes inside Centre.write.
 */
export class ProviderDecisionStore {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      insert: db.prepare('INSERT INTO provider_decisions (provider_id, report_id, decision, reason, hold_until, recorded_at) VALUES (?, ?, ?, ?, ?, ?)'),
      latest: db.prepare<[string], Row>('SELECT seq, report_id, decision, reason, hold_until FROM provider_decisions WHERE report_id = ? ORDER BY seq DESC LIMIT 1'),
      page: db.prepare<[number, number, number], Row>(
        'SELECT seq, report_id, decision, reason, hold_until FROM provider_decisions WHERE provider_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      providerOf: db.prepare<[string], { provider_id: number }>('SELECT provider_id FROM reports WHERE report_id = ?'),
      latestHold: db.prepare<[string], { until: number | null }>('SELECT max(hold_until) AS until FROM report_holds WHERE report_id = ?'),
    };
  }

  append(providerId: number, entry: Omit<ProviderDecisionRow, 'seq'>, now: number): number {
    return Number(this.#statements.insert.run(providerId, entry.reportId, entry.decision, entry.reason, entry.holdUntil, now).lastInsertRowid);
  }

  /** The report's newest entry: what its provider was last told. */
  latest(reportId: string): ProviderDecisionRow | undefined {
    const row = this.#statements.latest.get(reportId);
    return row === undefined ? undefined : toEntry(row);
  }

  /** The provider's entries after `since`, oldest first. */
  page(providerId: number, since: number, limit: number): ProviderDecisionRow[] {
    return this.#statements.page.all(providerId, since, limit).map(toEntry);
  }

  providerOf(reportId: string): number | undefined {
    return this.#statements.providerOf.get(reportId)?.provider_id;
  }

  /** The furthest `until` any recipient asked for the report (report_holds), or null. */
  latestHoldUntil(reportId: string): number | null {
    return this.#statements.latestHold.get(reportId)?.until ?? null;
  }
}
