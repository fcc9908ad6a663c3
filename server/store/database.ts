import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from './errors.ts';
import { MIGRATIONS } from './migrations.ts';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the Centre database and brings its schema up to
 * date. WAL so readers never block the publisher; synchronous=FULL because a
 * lost publication would break the log's promise (better-sqlite3 docs).
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** Applies each pending migration in its own immediate transaction, recording user_version. */
export function migrate(db: Db): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > MIGRATIONS.length) {
    throw new StoreError('STORE_NEWER_SCHEMA', `database schema ${current} is newer than this build understands (${MIGRATIONS.length})`);
  }
  MIGRATIONS.slice(current).forEach((sql, i) => {
    const target = current + i + 1;
    try {
      db.transaction(() => {
        db.exec(sql);
        db.pragma(`user_version = ${target}`);
      }).immediate();
    } catch (cause) {
      throw new StoreError('STORE_MIGRATION_FAILED', `migration to schema ${target} failed`, { cause });
    }
  });
}
