import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openMigratedDatabase, type SqliteDatabase } from '../../shared/sqlite/open.ts';
import { REPLICA_MIGRATIONS } from './migrations.ts';
import { makeDatabasePrivate } from './private-files.ts';

export type Db = SqliteDatabase;

/**
 * Opens (creating if needed) the sidecar's replica database, owner-only
 * (0600), with its schema up to date. With secure_delete, what is deleted or
 * overwritten (a delivered report's envelope, a pruned report, an ended
 * order's targets) is zeroed on disk rather than left in free pages: the
 * retention period is then a real one.
 */
export function openReplicaDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  makeDatabasePrivate(path);
  const db = openMigratedDatabase(path, REPLICA_MIGRATIONS, 'replica database');
  db.pragma('secure_delete = ON');
  return db;
}
