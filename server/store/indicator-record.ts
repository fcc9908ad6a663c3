import type { Db } from './database.ts';

/** What review shows of an indicator beyond its own row: its preview and its track record. */
export interface IndicatorRecord {
  /** The earliest confirming authority's preview (the submitter's, usually), or null. */
  readonly preview: string | null;
  /** Reports received that cite it. */
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
      `SELECT count(*) AS reports, coalesce(sum(b.state = 'unfounded'), 0) AS unfounded
       FROM report_indicators ri JOIN report_reviews rr ON rr.report_id = ri.report_id JOIN review_bundles b ON b.id = rr.bundle_id
       WHERE ri.indicator_id = ?`,
    );
  }

  of(indicatorId: number): IndicatorRecord {
    const counts = this.#counts.get(indicatorId);
    return { preview: this.#preview.get(indicatorId)?.preview ?? null, reports: counts?.reports ?? 0, unfounded: counts?.unfounded ?? 0 };
  }
}
