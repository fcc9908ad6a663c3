import type { Db } from './database.ts';
import { recordOfSql } from './indicator-variants.ts';

/** What review shows of an indicator beyond its own row: its preview and its track record. */
export interface IndicatorRecord {
  /** The earliest confirming authority's preview (the submitter's, usually), or null. */
  readonly preview: string | null;
  /** Reports received that cite it or one of its linked variants. */
  readonly reports: number;
  /** Of those, how many stand judged unfounded. */
  readonly unfounded: number;
}

export class IndicatorRecordStore {
  readonly #preview;
  readonly #counts;

  constructor(db: Db) {
    this.#preview = db.prepare<[number], { preview: string }>(
      'SELECT preview FROM confirmations WHERE indicator_id = ? AND preview IS NOT NULL AND withdrawn_at IS NULL ORDER BY confirmed_at, authority_id LIMIT 1',
    );
    this.#counts = db.prepare<[number], { reports: number; unfounded: number }>(
      // A report citing the record or any of its linked variants counts once.
      `SELECT count(DISTINCT ri.report_id) AS reports, count(DISTINCT CASE WHEN b.state = 'unfounded' THEN ri.report_id END) AS unfounded
       FROM report_indicators ri
       JOIN report_reviews rr ON rr.report_id = ri.report_id JOIN review_bundles b ON b.id = rr.bundle_id
       WHERE ${recordOfSql('ri.indicator_id')} = ?`,
    );
  }

  of(indicatorId: number): IndicatorRecord {
    const counts = this.#counts.get(indicatorId);
    return { preview: this.#preview.get(indicatorId)?.preview ?? null, reports: counts?.reports ?? 0, unfounded: counts?.unfounded ?? 0 };
  }
}
