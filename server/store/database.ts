import { openMigratedDatabase, type SqliteDatabase } from '../../shared/sqlite/open.ts';
import { MIGRATIONS } from './migrations.ts';

export type Db = SqliteDatabase;

/**
 * Opens (creating if needed) the Centre database with its schema up to
 * date. secure_delete: what retention purges (server/review/retention.ts)
 * is overwritten with zeros in the file, not merely unlinked from the
 * b-tree; the purge then checkpoints, so that the old pages leave the WAL.
 */
export function openDatabase(path: string): Db {
  const db = openMigratedDatabase(path, MIGRATIONS, 'Centre database');
  db.pragma('secure_delete = ON');
  return db;
}
