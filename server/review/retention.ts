import type { Centre } from '../centre.ts';

/** Reports purged per transaction: the write lock is held briefly even when a year's worth falls due at once. */
const PURGE_BATCH = 500;

export interface PurgeResult {
  /** Reports whose envelope, preview and subject were purged by this run. */
  readonly reports: number;
  /** Reports due by age but held back by a hold that has not ended. */
  readonly held: number;
  /** Decisions made at or before this time were due (reportRetentionMonths before now). */
  readonly cutoff: number;
  /**
   * Whether the WAL was checkpointed and truncated after the purge (false
   * while another connection held it: the next run retries); null when
   * there was nothing to checkpoint.
   */
  readonly checkpointed: boolean | null;
}

/**
 * The earliest final-decision time that is kept at `now`: the same time of
 * day `months` calendar months earlier (UTC), on the last day of that month
 * when it is shorter (31 March -> 28 or 29 February).
 */
export function retentionCutoff(now: number, months: number): number {
  const at = new Date(now);
  const month = at.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(at.getUTCFullYear(), month + 1, 0)).getUTCDate();
  return Date.UTC(at.getUTCFullYear(), month, Math.min(at.getUTCDate(), lastDay), at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds(), at.getUTCMilliseconds());
}

/**
 * Report retention (docs/SAFEGUARDS.md, "Retention"): a report's envelope,
 * preview and subject are purged `reportRetentionMonths` after its final
 * decision, and a held report not before its last hold ends. What remains
 * is its id, times, provider, order, indicators, the decision and the
 * counts; nothing is deleted (a trigger allows this one update, once). A
 * report under a pending QA check or back in the queue (reopened) is not
 * final and waits. Each batch is one transaction with its audit entry,
 * which carries counts only. The database runs with secure_delete, and
 * the run ends with a checkpoint, so the purged bytes leave the file.
 */
export class ReportRetention {
  readonly #centre: Centre;
  readonly #statements;
  /** A purge whose checkpoint could not finish: the next run checkpoints even if it purges nothing. */
  #checkpointOwed = false;

  constructor(centre: Centre) {
    this.#centre = centre;
    const { db } = centre;
    const due = `FROM reports r JOIN report_reviews rr ON rr.report_id = r.report_id JOIN review_bundles b ON b.id = rr.bundle_id
      WHERE r.purged_at IS NULL AND b.state IN ('unfounded', 'forwarded') AND b.qa <> 'pending' AND b.decided_at <= @cutoff`;
    const heldNow = 'EXISTS (SELECT 1 FROM report_holds h WHERE h.report_id = r.report_id AND h.hold_until > @now)';
    this.#statements = {
      due: db.prepare<{ cutoff: number; now: number; limit: number }, { report_id: string; bundle_id: number }>(
        `SELECT r.report_id, rr.bundle_id ${due} AND NOT ${heldNow} ORDER BY r.id LIMIT @limit`,
      ),
      held: db.prepare<{ cutoff: number; now: number }, { n: number }>(`SELECT count(*) AS n ${due} AND ${heldNow}`),
      purge: db.prepare("UPDATE reports SET envelope = X'', preview = NULL, subject = '', purged_at = ? WHERE report_id = ? AND purged_at IS NULL"),
      // The bundle's subject is the same as its reports': it goes with the last of them.
      purgeBundle: db.prepare(
        `UPDATE review_bundles SET subject = '' WHERE id = ? AND subject <> '' AND NOT EXISTS (
           SELECT 1 FROM report_reviews rr JOIN reports r ON r.report_id = rr.report_id WHERE rr.bundle_id = review_bundles.id AND r.purged_at IS NULL)`,
      ),
    };
  }

  /** Purges every report due at `now`; audits each batch as `report.purge` with its count. */
  purge(actor: string, now: number): PurgeResult {
    const { db, config, audit } = this.#centre;
    const cutoff = retentionCutoff(now, config.reportRetentionMonths);
    let reports = 0;
    for (;;) {
      const purged = this.#centre.write(() => {
        const due = this.#statements.due.all({ cutoff, now, limit: PURGE_BATCH });
        for (const { report_id } of due) this.#statements.purge.run(now, report_id);
        for (const bundleId of new Set(due.map((d) => d.bundle_id))) this.#statements.purgeBundle.run(bundleId);
        if (due.length > 0) audit.record(now, actor, 'report.purge', null, { reports: due.length, cutoff });
        return due.length;
      });
      reports += purged;
      if (purged < PURGE_BATCH) break;
    }
    const held = this.#statements.held.get({ cutoff, now })?.n ?? 0;
    // Only after a purge: a TRUNCATE checkpoint waits for other connections' readers (busy_timeout), so not hourly for nothing.
    let checkpointed: boolean | null = null;
    if (reports > 0 || this.#checkpointOwed) {
      checkpointed = checkpoint(db);
      this.#checkpointOwed = !checkpointed;
    }
    return { reports, held, cutoff, checkpointed };
  }
}

/** Copies the WAL into the file and truncates it; false when a reader kept part of it. */
function checkpoint(db: Centre['db']): boolean {
  const result: unknown = db.pragma('wal_checkpoint(TRUNCATE)');
  if (!Array.isArray(result)) return false;
  const first: unknown = result[0];
  return typeof first === 'object' && first !== null && 'busy' in first && first.busy === 0;
}
