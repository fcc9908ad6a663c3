import type { IndicatorEntry } from '../../shared/wire/indicator-group.ts';
import { StateAccumulator } from '../../shared/wire/state-digest.ts';
import type { Db } from './database.ts';

type JournalRow = [sign: number, id: number, algorithm: string, hash: Buffer, category: string];

/**
 * The replica's LtHash16 accumulator (docs/PROTOCOL.md 8.4), kept in
 * trusted_state beside the indicators. Invariant: the stored accumulator
 * plus the journal equals the multiset hash of the indicators table. The
 * journal (triggers of replica migration 4) holds writes the replica did
 * not make, so folding it in makes a damaged table fail the next signed
 * digest; the replica's own writes run with the journal paused and are
 * added or subtracted here directly. Call only inside a write transaction.
 */
export class ReplicaDigestState {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      get: db.prepare<[], { state_accumulator: Buffer | null; applying_version: number | null }>('SELECT state_accumulator, applying_version FROM trusted_state WHERE id = 1'),
      applying: db.prepare('UPDATE trusted_state SET applying_version = ? WHERE id = 1'),
      put: db.prepare('UPDATE trusted_state SET state_accumulator = ? WHERE id = 1'),
      journal: db.prepare('SELECT sign, id, algorithm, hash, category FROM indicator_journal ORDER BY seq').raw(),
      clearJournal: db.prepare('DELETE FROM indicator_journal'),
      pause: db.prepare('UPDATE trusted_state SET journal_paused = ? WHERE id = 1'),
    };
  }

  /**
   * The accumulator of the indicators as they are now: the stored one with
   * the journal folded in, or, in a replica written before accumulators
   * (NULL), computed once from every row.
   */
  load(allEntries: () => Iterable<IndicatorEntry>): StateAccumulator {
    const row = this.#statements.get.get();
    // A delta left half-written (a crash between slices): its rows were written unjournalled, so only the rows themselves tell.
    const stored = row?.applying_version === null ? (row.state_accumulator ?? null) : null;
    let accumulator: StateAccumulator;
    if (stored === null) {
      accumulator = StateAccumulator.fromEntries(allEntries());
      this.#statements.applying.run(null);
    } else {
      accumulator = StateAccumulator.fromBytes(stored);
      for (const raw of this.#statements.journal.iterate()) {
        const [sign, id, algorithm, hash, category] = raw as JournalRow;
        if (sign > 0) accumulator.add({ id, algorithm, hash, category });
        else accumulator.remove({ id, algorithm, hash, category });
      }
    }
    this.#statements.clearJournal.run();
    return accumulator;
  }

  /** Stores the accumulator of a snapshot just written (checked by `Replica.prepareSnapshot`) and empties the journal. */
  replace(accumulator: StateAccumulator): void {
    this.#statements.clearJournal.run();
    this.#statements.applying.run(null);
    this.store(accumulator);
  }

  store(accumulator: StateAccumulator): void {
    this.#statements.put.run(accumulator.toBytes());
  }

  /** The version of a delta being written in slices, or null. */
  applying(): number | null {
    return this.#statements.get.get()?.applying_version ?? null;
  }

  /**
   * Marks the rows as being changed by delta `version` in slices, outside
   * one transaction (null: done). While marked, the stored accumulator does
   * not describe the rows, and `load` recomputes it.
   */
  markApplying(version: number | null): void {
    this.#statements.applying.run(version);
  }

  /** Runs the replica's own writes to indicators without journalling them (the caller accounts for each). */
  unjournalled<T>(writes: () => T): T {
    this.#statements.pause.run(1);
    try {
      return writes();
    } finally {
      this.#statements.pause.run(0);
    }
  }
}
