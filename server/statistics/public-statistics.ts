import type { Db } from '../store/database.ts';
import { MonthlyStatistics } from './monthly-statistics.ts';
import { monthOf, monthsBetween, type Month } from './months.ts';

/**
 * A month is taken as final this long after it ended: another process of
 * the same Centre may still commit an event it timed a moment before.
 */
export const SETTLE_MS = 5 * 60_000;

/**
 * The definition of the figures a stored month holds. Raise it when a
 * figure's meaning or shape changes: months stored under another one are
 * computed again.
 */
export const STATISTICS_DEFINITION = 2;

/**
 * The monthly figures from the Centre's first records to now, for
 * `GET /v1/transparency`, each month as the JSON text it is served as.
 * Every figure is counted from rows written at the time of their event and
 * never deleted (MonthlyStatistics), so a month that has ended is computed
 * once, stored (table statistics_months) and never counted again, by this
 * process or the next: a new report or decision costs the month under way.
 */
export class PublicStatistics {
  readonly #monthly: MonthlyStatistics;
  readonly #db: Db;
  readonly #statements;
  /** Ended months, as served. Filled from the table on first use. */
  #settled: Map<string, string> | undefined;

  constructor(db: Db) {
    this.#monthly = new MonthlyStatistics(db);
    this.#db = db;
    this.#statements = {
      lastAuditId: db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM audit'),
      stored: db.prepare<[number], { month: string; figures: string }>('SELECT month, figures FROM statistics_months WHERE definition = ?'),
      store: db.prepare<[string, number, string, number]>('INSERT OR REPLACE INTO statistics_months (month, definition, figures, computed_at) VALUES (?, ?, ?, ?)'),
    };
  }

  /**
   * Changes whenever a figure may have: every write of the Centre is
   * audited in its own transaction (server/store/audit.ts), and the month
   * under way is part of the figures. One rowid lookup.
   */
  state(now: number): string {
    return `${this.#statements.lastAuditId.get()?.id ?? 0}@${monthOf(now).key}`;
  }

  /** Each month's figures as JSON text (MonthFigures), oldest first. */
  monthsJson(now: number): string[] {
    const settledMonths = (this.#settled ??= new Map(this.#statements.stored.all(STATISTICS_DEFINITION).map((r) => [r.month, r.figures])));
    const all = monthsBetween(Math.min(this.#monthly.span()?.first ?? now, now), now);
    const settled = (month: Month): boolean => month.end + SETTLE_MS <= now;
    const missing = all.filter((month) => !settled(month) || !settledMonths.has(month.key));
    const fresh = new Map(this.#monthly.compute(missing).map((figures) => [figures.month, JSON.stringify(figures)]));
    const newlySettled = missing.filter((month) => settled(month) && fresh.has(month.key)).map((month) => ({ month: month.key, figures: fresh.get(month.key) ?? '' }));
    for (const { month, figures } of newlySettled) settledMonths.set(month, figures);
    if (newlySettled.length > 0) this.#store(newlySettled, now);
    return all.map((month) => fresh.get(month.key) ?? settledMonths.get(month.key)).filter((figures) => figures !== undefined);
  }

  #store(months: readonly { month: string; figures: string }[], now: number): void {
    try {
      this.#db.transaction(() => {
        for (const { month, figures } of months) this.#statements.store.run(month, STATISTICS_DEFINITION, figures, now);
      }).immediate();
    } catch (err) {
      // A cache row: when another process holds the database for longer than the busy timeout, this one keeps it in memory.
      if (!(err instanceof Error && 'code' in err && err.code === 'SQLITE_BUSY')) throw err;
    }
  }
}
