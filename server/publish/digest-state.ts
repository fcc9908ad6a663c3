import type { IndicatorEntry } from '../../shared/wire/indicator-group.ts';
import { StateAccumulator } from '../../shared/wire/state-digest.ts';
import type { Db } from '../store/database.ts';

/**
 * The Centre's LtHash16 accumulator of the active set (docs/PROTOCOL.md
 * 8.4), one row beside the indicators. A publication reads it, adds the
 * version's additions, subtracts its removals and writes it back in the
 * same transaction: O(size of the delta). When the row is missing (a data
 * folder from before version 2 digests) or belongs to another version than
 * the one being extended, it is computed once from the active set.
 */
export class DigestState {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      get: db.prepare<[], { version: number; lanes: Buffer }>('SELECT version, lanes FROM state_accumulator WHERE id = 1'),
      put: db.prepare('INSERT OR REPLACE INTO state_accumulator (id, version, lanes) VALUES (1, ?, ?)'),
    };
  }

  /**
   * The accumulator of `version`, the active set after `removed` left and
   * `added` joined the set of `previous`; stored before it is returned.
   * `activeAfter` is read only when the stored row cannot be extended.
   */
  advance(previous: number, version: number, change: { added: readonly IndicatorEntry[]; removed: readonly IndicatorEntry[] }, activeAfter: () => Iterable<IndicatorEntry>): StateAccumulator {
    const stored = this.#statements.get.get();
    let accumulator: StateAccumulator;
    if (stored === undefined || stored.version !== previous) {
      accumulator = StateAccumulator.fromEntries(activeAfter());
    } else {
      accumulator = StateAccumulator.fromBytes(stored.lanes);
      for (const e of change.removed) accumulator.remove(e);
      for (const e of change.added) accumulator.add(e);
    }
    this.#statements.put.run(version, accumulator.toBytes());
    return accumulator;
  }

  /**
   * The accumulator of `version`, the current active set: the stored one
   * when it describes that version, else computed from `active` (and
   * stored). Used to snapshot the latest version of an older data folder.
   */
  at(version: number, active: () => Iterable<IndicatorEntry>): StateAccumulator {
    const stored = this.#statements.get.get();
    if (stored !== undefined && stored.version === version) return StateAccumulator.fromBytes(stored.lanes);
    const accumulator = StateAccumulator.fromEntries(active());
    this.#statements.put.run(version, accumulator.toBytes());
    return accumulator;
  }
}
