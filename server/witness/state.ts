import { openMigratedDatabase, type SqliteDatabase } from '../../shared/sqlite/open.ts';

/** Append-only list: a schema change is a new entry at the end. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE cosigned (
     origin TEXT PRIMARY KEY,
     size INTEGER NOT NULL CHECK (size >= 0),
     root BLOB NOT NULL CHECK (length(root) = 32),
     checkpoint TEXT NOT NULL,
     cosigned_at INTEGER NOT NULL
   ) STRICT`,
];

export interface CosignedHead {
  readonly size: number;
  readonly rootHash: Uint8Array;
}

/**
 * What the witness has cosigned: per origin, the latest size and root
 * hash. SQLite with synchronous=FULL (shared/sqlite/open.ts), so that a
 * row committed before the answer survives the process being killed, or
 * the power cut, right after it: a witness that forgot would cosign a fork.
 */
export class WitnessState {
  readonly #db: SqliteDatabase;
  readonly #statements;

  constructor(path: string) {
    this.#db = openMigratedDatabase(path, MIGRATIONS, 'witness');
    this.#statements = {
      get: this.#db.prepare<[string], { size: number; root: Buffer }>('SELECT size, root FROM cosigned WHERE origin = ?'),
      put: this.#db.prepare<[string, number, Buffer, string, number]>(
        `INSERT INTO cosigned (origin, size, root, checkpoint, cosigned_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, checkpoint = excluded.checkpoint, cosigned_at = excluded.cosigned_at`,
      ),
      all: this.#db.prepare<[], { origin: string; size: number; cosigned_at: number }>('SELECT origin, size, cosigned_at FROM cosigned ORDER BY origin'),
    };
  }

  latest(origin: string): CosignedHead | undefined {
    const row = this.#statements.get.get(origin);
    return row === undefined ? undefined : { size: row.size, rootHash: new Uint8Array(row.root) };
  }

  /** Every origin's latest size, for the operator. */
  list(): { origin: string; size: number; cosignedAt: number }[] {
    return this.#statements.all.all().map((row) => ({ origin: row.origin, size: row.size, cosignedAt: row.cosigned_at }));
  }

  /**
   * Runs `decide` with the head last cosigned and records the head it
   * returns, in one immediate transaction: the check of the old size and
   * the update are atomic (the spec's race), and the commit (fsynced) comes
   * before the caller answers.
   */
  advance(origin: string, decide: (latest: CosignedHead | undefined) => { head: CosignedHead; checkpoint: string }, now: number): CosignedHead {
    return this.#db
      .transaction(() => {
        const { head, checkpoint } = decide(this.latest(origin));
        this.#statements.put.run(origin, head.size, Buffer.from(head.rootHash), checkpoint, now);
        return head;
      })
      .immediate();
  }

  close(): void {
    this.#db.close();
  }
}
