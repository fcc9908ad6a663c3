import type { Db } from './database.ts';

/** How often one provider's reports were refused with one code. */
export interface RefusalCount {
  readonly provider: string;
  readonly code: string;
  readonly count: number;
  readonly firstAt: number;
  readonly lastAt: number;
}

type CountRow = { provider: string; code: string; count: number; first_at: number; last_at: number };

/**
 * Refused reports, counted per provider and refusal code (table
 * `report_refusals`). Only the count survives a refusal: the report itself
 * names a person and is not kept.
 */
export class ReportRefusalStore {
  readonly #record;
  readonly #all;

  constructor(db: Db) {
    this.#record = db.prepare(
      `INSERT INTO report_refusals (provider_id, code, count, first_at, last_at) VALUES (?, ?, 1, ?, ?)
       ON CONFLICT (provider_id, code) DO UPDATE SET count = count + 1, last_at = max(last_at, excluded.last_at)`,
    );
    this.#all = db.prepare<[], CountRow>(
      'SELECT a.name AS provider, r.code, r.count, r.first_at, r.last_at FROM report_refusals r JOIN accounts a ON a.id = r.provider_id ORDER BY a.name, r.code',
    );
  }

  /** Call inside a write transaction. */
  record(providerId: number, code: string, now: number): void {
    this.#record.run(providerId, code, now, now);
  }

  /** Every count, by provider name then code: at most providers x refusal codes rows. */
  counts(): RefusalCount[] {
    return this.#all.all().map((r) => ({ provider: r.provider, code: r.code, count: r.count, firstAt: r.first_at, lastAt: r.last_at }));
  }
}
