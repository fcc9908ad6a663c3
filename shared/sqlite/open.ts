import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CodedError } from '../errors.ts';

export type SqliteDatabase = Database.Database;

export type SchemaCode = 'SCHEMA_NEWER' | 'SCHEMA_MIGRATION_FAILED';
export class SchemaError extends CodedError<SchemaCode> {}

/**
 * A migration whose text starts with this line rebuilds a table that other
 * tables reference (SQLite's "making other kinds of table schema changes",
 * https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys are
 * switched off around its transaction, which is outside any transaction as
 * SQLite requires, and `PRAGMA foreign_key_check` must come back empty
 * before it commits.
 */
export const FOREIGN_KEYS_OFF = '-- migration: foreign keys off (table rebuild)\n';

/**
 * Opens (creating if needed) a SQLite database and applies its pending
 * migrations, each in its own immediate transaction with user_version.
 * WAL, so readers never wait for the writer; synchronous=FULL, because
 * what hashfeed writes (a publication, an applied version, a queued report)
 * must survive a power cut (better-sqlite3 docs).
 */
export function openMigratedDatabase(path: string, migrations: readonly string[], what: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const current = Number(db.pragma('user_version', { simple: true }));
    if (current > migrations.length) {
      throw new SchemaError('SCHEMA_NEWER', `${what} schema ${current} is newer than this build understands (${migrations.length})`);
    }
    migrations.slice(current).forEach((sql, i) => {
      const target = current + i + 1;
      const rebuild = sql.startsWith(FOREIGN_KEYS_OFF);
      if (rebuild) db.pragma('foreign_keys = OFF');
      try {
        db.transaction(() => {
          db.exec(sql);
          if (rebuild && brokenForeignKeys(db)) throw new Error('the rebuilt schema breaks a foreign key');
          db.pragma(`user_version = ${target}`);
        }).immediate();
      } catch (cause) {
        throw new SchemaError('SCHEMA_MIGRATION_FAILED', `${what} migration to schema ${target} failed`, { cause });
      } finally {
        if (rebuild) db.pragma('foreign_keys = ON');
      }
    });
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function brokenForeignKeys(db: SqliteDatabase): boolean {
  const rows: unknown = db.pragma('foreign_key_check');
  return !Array.isArray(rows) || rows.length > 0;
}
