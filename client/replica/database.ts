import { openMigratedDatabase, type SqliteDatabase } from '../../shared/sqlite/open.ts';
import { REPLICA_MIGRATIONS } from './migrations.ts';

export type Db = SqliteDatabase;

/** Opens (creating if needed) the sidecar's replica database with its schema up to date. */
export function openReplicaDatabase(path: string): Db {
  return openMigratedDatabase(path, REPLICA_MIGRATIONS, 'replica database');
}
