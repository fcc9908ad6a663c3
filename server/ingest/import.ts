import type { Centre } from '../centre.ts';
import type { Submission, SubmitResult } from '../store/indicators.ts';
import { TimeSlice } from './time-slice.ts';

/** How long one write transaction of an import may hold the event loop (and the database). */
const SLICE_MS = 20;

/**
 * Writes a validated submission as one batch, in slices: each slice is its
 * own short transaction, and other requests run between slices, so a
 * million-row upload never holds the Centre for more than a slice. Rows
 * become visible slice by slice; nothing is published before an operator
 * approves, and an import cut short (a crash) leaves only whole,
 * validated rows: uploading the same file again completes it (rows already
 * confirmed count as unchanged). The audit record is written with the last
 * slice, with the totals.
 */
export async function importSubmissions(centre: Centre, authority: { id: number; name: string }, rows: readonly Submission[], now: number): Promise<SubmitResult> {
  const { indicators, audit, config } = centre;
  const counts = { created: 0, confirmed: 0, unchanged: 0, variants: 0 };
  const batchId = centre.write(() => indicators.openBatch(authority.id, rows.length, now));
  const slice = new TimeSlice(SLICE_MS);
  let next = 0;
  for (;;) {
    const done = centre.write(() => {
      do {
        const row = rows[next];
        if (row === undefined) break;
        const added = indicators.addRow(batchId, authority.id, row, now, config.minConfirmations);
        counts[added.outcome]++;
        counts.variants += added.variants;
        next++;
      } while (!slice.spent());
      if (next < rows.length) return false;
      audit.record(now, authority.name, 'indicators.submit', `batch:${batchId}`, { batchId, rows: rows.length, ...counts });
      return true;
    });
    if (done) return { batchId, rows: rows.length, ...counts };
    await slice.next();
  }
}
