import { groupsFromEntries, type IndicatorEntry, type IndicatorGroup } from '../../shared/wire/indicator-group.ts';
import type { Db } from '../store/database.ts';

type Row = [id: number, algorithm: string, hash: Buffer, category: string];

/**
 * Reads the current active set in id order from the indicators table. Only
 * the current one: a version's snapshot is made when it is published, so
 * no earlier set is ever rebuilt (feed_changes still records every change).
 */
export class ActiveSet {
  readonly #current;

  constructor(db: Db) {
    this.#current = db.prepare("SELECT id, algorithm, hash, category FROM indicators WHERE status = 'active' ORDER BY id").raw();
  }

  *entries(): Generator<IndicatorEntry> {
    for (const raw of this.#current.iterate()) {
      const [id, algorithm, hash, category] = raw as Row;
      yield { id, algorithm, hash, category };
    }
  }

  /** The active set in wire columns, one group per algorithm, plus its category table. */
  groups(): { groups: IndicatorGroup[]; categories: string[]; count: number } {
    return groupsFromEntries(this.entries());
  }
}
