import type { Db } from './database.ts';
import { SUSPENDED_REASON } from './indicators.ts';
import { isRecordSql, recordOfSql } from './indicator-variants.ts';

/** The unfounded reasons that count against the indicators a report cites (issue 11, item 6). */
export const COUNTING_REASONS = ['preview_mismatch', 'indicator_error'] as const;
export type CountingReason = (typeof COUNTING_REASONS)[number];

/** How an indicator stands in the quality loop: standing unfounded decisions that count against it. */
export interface IndicatorQualityCounts {
  readonly indicatorId: number;
  /** Reports citing it that stand judged unfounded for a counting reason, since `since`. */
  readonly reports: number;
  /** Distinct providers among them: what `suspendAfterProviders` is compared with. */
  readonly providers: number;
  readonly byReason: Readonly<Record<CountingReason, number>>;
  /** Decisions count from this time (its last re-confirmation), or from the start (null). */
  readonly since: number | null;
}

/** One suspension as a publication announced it. */
export interface PublishedSuspension {
  readonly indicatorId: number;
  readonly version: number;
  readonly publishedAt: number;
  /** The Member States of the authorities that confirmed it then (its submitters). */
  readonly memberStates: readonly string[];
}

type CountsRow = { indicator_id: number; reports: number; providers: number; preview_mismatch: number; indicator_error: number; since: number | null };

// Only a standing decision counts: a reopened bundle is back in the queue and counts no more. A report
// counts against the record it cites: a linked variant's id stands for its record, and a report citing a
// record and its variant counts once (docs/HASHING.md, "Crops").
const STANDING = `FROM report_indicators ri
  JOIN indicators i ON i.id = ${recordOfSql('ri.indicator_id')}
  JOIN report_reviews rr ON rr.report_id = ri.report_id
  JOIN review_bundles b ON b.id = rr.bundle_id
  WHERE b.state = 'unfounded' AND b.reason IN (${COUNTING_REASONS.map((r) => `'${r}'`).join(', ')})
    AND b.decided_at >= coalesce(i.quality_since, 0)`;
const COUNTS = `SELECT i.id AS indicator_id, count(DISTINCT ri.report_id) AS reports, count(DISTINCT b.provider_id) AS providers,
  count(DISTINCT CASE WHEN b.reason = 'preview_mismatch' THEN ri.report_id END) AS preview_mismatch,
  count(DISTINCT CASE WHEN b.reason = 'indicator_error' THEN ri.report_id END) AS indicator_error,
  i.quality_since AS since`;

/**
 * The quality loop's counts, computed from the standing review decisions
 * (nothing is stored twice, so a reopen withdraws its count by itself).
 * Read by server/review/indicator-quality.ts and by the statistics.
 */
export class IndicatorQualityStore {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      of: db.prepare<[number], CountsRow>(`${COUNTS} ${STANDING} AND i.id = ? GROUP BY i.id`),
      all: db.prepare<[number, number], CountsRow>(`${COUNTS} ${STANDING} AND i.id > ? GROUP BY i.id ORDER BY i.id LIMIT ?`),
      sinceOf: db.prepare<[number], { quality_since: number | null }>('SELECT quality_since FROM indicators WHERE id = ?'),
      ofBundle: db.prepare<[number], { indicator_id: number }>(
        `SELECT DISTINCT ${recordOfSql('ri.indicator_id')} AS indicator_id FROM report_reviews rr JOIN report_indicators ri ON ri.report_id = rr.report_id
         WHERE rr.bundle_id = ? ORDER BY indicator_id`,
      ),
      suspensions: db.prepare<[number, number], { indicator_id: number; version: number; created_at: number; member_states: string | null }>(
        `SELECT fc.indicator_id, fc.version, v.created_at,
           (SELECT group_concat(DISTINCT a.member_state) FROM confirmations c JOIN accounts a ON a.id = c.authority_id
            WHERE c.indicator_id = fc.indicator_id AND a.member_state IS NOT NULL) AS member_states
         FROM feed_changes fc JOIN versions v ON v.version = fc.version
         WHERE fc.op = 'remove' AND fc.reason = '${SUSPENDED_REASON}' AND v.created_at >= ? AND v.created_at < ? AND ${isRecordSql('fc.indicator_id')}
         ORDER BY fc.version, fc.indicator_id`,
      ),
    };
  }

  /** The counts against one indicator record, its variants' reports included (zeros when nothing counts). */
  of(indicatorId: number): IndicatorQualityCounts {
    const row = this.#statements.of.get(indicatorId);
    if (row !== undefined) return toCounts(row);
    const since = this.#statements.sinceOf.get(indicatorId)?.quality_since ?? null;
    return { indicatorId, reports: 0, providers: 0, byReason: { preview_mismatch: 0, indicator_error: 0 }, since };
  }

  /** Every indicator with at least one counting decision, by id after `afterId` (a page of at most `limit`). */
  all(afterId: number, limit: number): IndicatorQualityCounts[] {
    return this.#statements.all.all(afterId, limit).map(toCounts);
  }

  /** The indicator records the reports of a bundle cite (a variant's id resolved to its record). */
  indicatorsOfBundle(bundleId: number): number[] {
    return this.#statements.ofBundle.all(bundleId).map((r) => r.indicator_id);
  }

  /** Suspensions of records publications announced in [from, to) (milliseconds since the epoch); their variants' go with them uncounted. */
  publishedSuspensions(from: number, to: number): PublishedSuspension[] {
    return this.#statements.suspensions.all(from, to).map((r) => ({
      indicatorId: r.indicator_id,
      version: r.version,
      publishedAt: r.created_at,
      memberStates: r.member_states === null ? [] : r.member_states.split(',').sort(),
    }));
  }
}

function toCounts(row: CountsRow): IndicatorQualityCounts {
  return {
    indicatorId: row.indicator_id,
    reports: row.reports,
    providers: row.providers,
    byReason: { preview_mismatch: row.preview_mismatch, indicator_error: row.indicator_error },
    since: row.since,
  };
}
