import { computeStateDigest } from '../../shared/wire/state-digest.ts';
import { groupsFromEntries, type IndicatorEntry, type IndicatorGroup } from '../../shared/wire/indicator-group.ts';
import type { Db } from '../store/database.ts';

type Row = [id: number, algorithm: string, hash: Buffer, category: string];

/**
 * Reads the active set in id order: the current one from the indicators
 * table, or the one published at an earlier version by replaying
 * feed_changes (the last change of each indicator at or before it).
 */
export class ActiveSet {
  readonly #current;
  readonly #atVersion;

  constructor(db: Db) {
    this.#current = db.prepare("SELECT id, algorithm, hash, category FROM indicators WHERE status = 'active' ORDER BY id").raw();
    this.#atVersion = db
      .prepare(
        `SELECT c.indicator_id, i.algorithm, i.hash, c.category FROM feed_changes c JOIN indicators i ON i.id = c.indicator_id
         WHERE c.op = 'add' AND c.version = (SELECT max(version) FROM feed_changes c2 WHERE c2.indicator_id = c.indicator_id AND c2.version <= ?)
         ORDER BY c.indicator_id`,
      )
      .raw();
  }

  *entries(version?: number): Generator<IndicatorEntry> {
    const rows = version === undefined ? this.#current.iterate() : this.#atVersion.iterate(version);
    for (const raw of rows) {
      const [id, algorithm, hash, category] = raw as Row;
      yield { id, algorithm, hash, category };
    }
  }

  digest(version?: number): Uint8Array {
    return computeStateDigest(this.entries(version));
  }

  /** The active set in wire columns, one group per algorithm, plus its category table. */
  groups(version?: number): { groups: IndicatorGroup[]; categories: string[]; count: number } {
    return groupsFromEntries(this.entries(version));
  }
}
