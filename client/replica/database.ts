import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openMigratedDatabase, type SqliteDatabase } from '../../shared/sqlite/open.ts';
import { REPLICA_MIGRATIONS } from './migrations.ts';
import { makeDatabasePrivate } from './private-files.ts';

export type Db = SqliteDatabase;

/** Opens (creating if needed) the sidecar's replica database, owner-only (0600), with its schema up to date. */
export function openReplicaDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  makeDatabasePrivate(path);
  return openMigratedDatabase(path, REPLICA_MIGRATIONS, 'replica database');
}
