import type { AppliedChange } from './replayed-state.ts';

export interface MonthStatistics {
  versions: number;
  additions: number;
  tombstones: number;
  additionsByCategory: Record<string, number>;
  additionsByAlgorithm: Record<string, number>;
  tombstonesByReason: Record<string, number>;
  tombstonesByCategory: Record<string, number>;
}

export const MAX_LISTED_SUSPENSIONS = 1000;

/**
 * What the published history holds, month by month (UTC, by each delta's
 * createdAt). The feed objects do not name the submitting authority (a
 * provider needs none, and the public log must not reveal it), so additions
 * and tombstones are counted by category and algorithm; the Centre's own
 * records (GET /v1/transparency) give the per-authority figures.
 */
export class HistoryStatistics {
  readonly months: Record<string, MonthStatistics> = {};
  suspensions = 0;
  readonly suspended: { version: number; id: number }[] = [];

  record(version: number, createdAt: number, change: AppliedChange): void {
    const month = new Date(createdAt).toISOString().slice(0, 7);
    const stats = (this.months[month] ??= { versions: 0, additions: 0, tombstones: 0, additionsByCategory: {}, additionsByAlgorithm: {}, tombstonesByReason: {}, tombstonesByCategory: {} });
    stats.versions++;
    for (const entry of change.added) {
      stats.additions++;
      bump(stats.additionsByCategory, entry.category);
      bump(stats.additionsByAlgorithm, entry.algorithm);
    }
    for (const { entry, reason } of change.removed) {
      stats.tombstones++;
      bump(stats.tombstonesByReason, reason);
      bump(stats.tombstonesByCategory, entry.category);
      if (reason === 'SUSPENDED') {
        this.suspensions++;
        if (this.suspended.length < MAX_LISTED_SUSPENSIONS) this.suspended.push({ version, id: entry.id });
      }
    }
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
