import { randomBytes } from 'node:crypto';
import type { IndicatorEntry } from '../../shared/wire/indicator-group.ts';
import type { Db } from './database.ts';
import { inTimeSlices, nextTurn } from './time-slices.ts';

/** Where a snapshot's rows are written before they replace the indicators, and where the replaced rows wait to be deleted. */
const NEXT = 'indicators_next';
const RETIRED = 'indicators_retired';
/** Rows deleted per statement while emptying a table (secure_delete overwrites each): a few ms. */
const DELETE_ROWS = 500;

/**
 * Replaces the indicators table with a snapshot's rows without holding the
 * event loop for the whole set (at a million rows one transaction took some
 * 11 s: bench:digest). The rows go to a shadow table in slices that yield;
 * one short transaction then swaps the tables (renames, and the journal
 * triggers moved to the new table), so readers see the old rows or the new
 * ones, never a mix, and a crash at any point leaves the old table whole
 * (a half-built shadow is discarded on the next replacement). The replaced
 * table is emptied in slices afterwards, then dropped.
 */
export class ShadowTable {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Writes `entries` (in id order) to a fresh shadow table, in time-bounded slices of one transaction each (`maxRows` caps them, for tests). */
  async build(entries: readonly IndicatorEntry[], maxRows?: number): Promise<void> {
    await this.discardLeftovers(maxRows);
    const indexName = `indicators_by_algorithm_${randomBytes(4).toString('hex')}`;
    // The schema of replica migrations 1 and 3; an index name must be unique in the schema, and a renamed table keeps its index's name.
    this.#db.exec(`CREATE TABLE ${NEXT} (id INTEGER PRIMARY KEY, algorithm TEXT NOT NULL, hash BLOB NOT NULL, category TEXT NOT NULL) STRICT;
      CREATE INDEX ${indexName} ON ${NEXT}(algorithm, id);`);
    const insert = this.#db.prepare(`INSERT INTO ${NEXT} (id, algorithm, hash, category) VALUES (?, ?, ?, ?)`);
    await inTimeSlices(
      entries.length,
      (index) => {
        const e = entries[index];
        if (e !== undefined) insert.run(e.id, e.algorithm, e.hash, e.category);
      },
      { wrap: (slice) => this.#db.transaction(slice).immediate(), ...(maxRows === undefined ? {} : { maxSteps: maxRows }) },
    );
  }

  /**
   * Swaps the shadow table in. Call inside the write transaction that also
   * records the snapshot's version and accumulator. The journal triggers are
   * re-created on the new table from their own stored definitions.
   */
  swap(): void {
    const triggers = this.#db.prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'indicators'").all();
    this.#db.exec(`ALTER TABLE indicators RENAME TO ${RETIRED}`);
    for (const trigger of triggers) this.#db.exec(`DROP TRIGGER ${trigger.name}`);
    this.#db.exec(`ALTER TABLE ${NEXT} RENAME TO indicators`);
    for (const trigger of triggers) this.#db.exec(trigger.sql);
  }

  /** Empties and drops what an earlier replacement left: the retired table, or a shadow a crash interrupted. */
  async discardLeftovers(maxRows = DELETE_ROWS): Promise<void> {
    for (const table of [RETIRED, NEXT]) {
      if (this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) === undefined) continue;
      const deleteSlice = this.#db.prepare(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} LIMIT ?)`);
      // secure_delete overwrites what is freed: deleting in slices keeps each turn short, and DROP then frees an empty table.
      while (this.#db.transaction(() => deleteSlice.run(maxRows).changes).immediate() > 0) await nextTurn();
      this.#db.exec(`DROP TABLE ${table}`);
    }
  }
}
