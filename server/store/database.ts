import { openMigratedDatabase, type SqliteDatabase } from '../../shared/sqlite/open.ts';
import { MIGRATIONS } from './migrations.ts';

export type Db = SqliteDatabase;

/** Opens (creating if needed) the Centre database with its schema up to date. */
export function openDatabase(path: string): Db {
  return openMigratedDatabase(path, MIGRATIONS, 'Centre database');
}
