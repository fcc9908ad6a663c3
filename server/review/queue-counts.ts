import type { Centre } from '../centre.ts';

/** The review queue in three figures, as the console's queue page shows them (and refreshes them). */
export interface QueueCounts {
  /** Reports waiting for a decision: queued or under a reviewer's lease. */
  readonly open: number;
  /** Of those, the reports of urgent bundles (served first). */
  readonly urgent: number;
  /** QA checks `reviewer` may claim: sampled decisions of other reviewers that nobody else is checking. */
  readonly qa: number;
}

/**
 * Counts the review queue (docs/CONSOLE.md, "Review queue"): read-only, one
 * statement each over the queue's indexes; what may be claimed is still
 * decided by the review desk (review-desk.ts), never by these figures.
 */
export class QueueCountReader {
  readonly #statements;

  constructor(centre: Centre) {
    this.#statements = {
      open: centre.db.prepare<[], { open: number; urgent: number }>(
        `SELECT count(*) AS open, coalesce(sum(b.urgent), 0) AS urgent
         FROM review_bundles b JOIN report_reviews rr ON rr.bundle_id = b.id
         WHERE b.state IN ('received', 'in_review')`,
      ),
      qa: centre.db.prepare<[string, string, number], { qa: number }>(
        `SELECT count(*) AS qa FROM review_bundles
         WHERE qa = 'pending' AND decided_by IS NOT ? AND (qa_claimed_by IS ? OR qa_lease_until IS NULL OR qa_lease_until <= ?)`,
      ),
    };
  }

  of(reviewer: string, now: number): QueueCounts {
    const open = this.#statements.open.get() ?? { open: 0, urgent: 0 };
    const qa = this.#statements.qa.get(reviewer, reviewer, now)?.qa ?? 0;
    return { open: open.open, urgent: open.urgent, qa };
  }
}
