import type { Db } from './database.ts';

/** One publication that added an indicator to the feed or removed it. */
export interface FeedChange {
  readonly op: 'add' | 'remove';
  readonly version: number;
  /** When that version was published (ms). */
  readonly publishedAt: number;
}

/** An indicator's algorithm and every published change of it, oldest first. */
export interface IndicatorHistory {
  readonly id: number;
  readonly algorithm: string;
  readonly changes: readonly FeedChange[];
}

type ChangeRow = { op: string; version: number; published_at: number };

/**
 * What the published feed held, and when: read from `feed_changes` (append
 * only) and the versions' publication times. Pending or never-approved
 * indicators have no changes.
 */
export class FeedHistory {
  readonly #algorithm;
  readonly #changes;

  constructor(db: Db) {
    this.#algorithm = db.prepare<[number], { algorithm: string }>('SELECT algorithm FROM indicators WHERE id = ?');
    this.#changes = db.prepare<[number], ChangeRow>(
      'SELECT c.op, c.version, v.created_at AS published_at FROM feed_changes c JOIN versions v ON v.version = c.version WHERE c.indicator_id = ? ORDER BY c.version',
    );
  }

  /** Undefined when no indicator has this id. */
  indicator(id: number): IndicatorHistory | undefined {
    const row = this.#algorithm.get(id);
    if (row === undefined) return undefined;
    const changes = this.#changes.all(id).flatMap((c): FeedChange[] => (c.op === 'add' || c.op === 'remove' ? [{ op: c.op, version: c.version, publishedAt: c.published_at }] : []));
    return { id, algorithm: row.algorithm, changes };
  }
}
