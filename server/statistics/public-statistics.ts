import type { Db } from '../store/database.ts';
import { MonthlyStatistics, type MonthFigures } from './monthly-statistics.ts';
import { monthOf, monthsBetween, type Month } from './months.ts';

/**
 * A month is taken as final this long after it ended: another process of
 * the same Centre may still commit an event it timed a moment before.
 */
export const SETTLE_MS = 5 * 60_000;

/**
 * The monthly figures from the Centre's first day to now, for
 * `GET /v1/transparency`. Every figure is counted from rows written at the
 * time of their event and never deleted (MonthlyStatistics), so a month
 * that has ended is computed once and kept: a new review or report only
 * costs the month under way.
 */
export class PublicStatistics {
  readonly #monthly: MonthlyStatistics;
  readonly #lastAuditId;
  readonly #settled = new Map<string, MonthFigures>();

  constructor(db: Db) {
    this.#monthly = new MonthlyStatistics(db);
    this.#lastAuditId = db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM audit');
  }

  /**
   * Changes whenever a figure may have: every write of the Centre is
   * audited in its own transaction (server/store/audit.ts), and the month
   * under way is part of the figures. One rowid lookup.
   */
  state(now: number): string {
    return `${this.#lastAuditId.get()?.id ?? 0}@${monthOf(now).key}`;
  }

  months(now: number): MonthFigures[] {
    const all = monthsBetween(Math.min(this.#monthly.span()?.first ?? now, now), now);
    const settled = (month: Month): boolean => month.end + SETTLE_MS <= now;
    const missing = all.filter((month) => !settled(month) || !this.#settled.has(month.key));
    const fresh = new Map(this.#monthly.compute(missing).map((figures) => [figures.month, figures]));
    for (const month of missing) {
      const figures = fresh.get(month.key);
      if (figures !== undefined && settled(month)) this.#settled.set(month.key, figures);
    }
    return all.map((month) => fresh.get(month.key) ?? this.#settled.get(month.key)).filter((figures) => figures !== undefined);
  }
}
