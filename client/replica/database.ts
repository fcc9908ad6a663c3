import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CodedError } from '../../shared/errors.ts';
import { REPLICA_MIGRATIONS } from './migrations.ts';

export type Db = Database.Database;

export type ReplicaDbCode = 'REPLICA_NEWER_SCHEMA' | 'REPLICA_MIGRATION_FAILED';
export class ReplicaDbError extends CodedError<ReplicaDbCode> {}

/**
 * Opens the sidecar's replica database (creating it if needed) and brings
 * its schema up to date. WAL, so matching reads never wait for a sync;
 * synchronous=FULL, so an applied version or a queued report survives a
 * power cut.
 */
export function openReplicaDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > REPLICA_MIGRATIONS.length) {
    db.close();
    throw new ReplicaDbError('REPLICA_NEWER_SCHEMA', `replica schema ${current} is newer than this build understands (${REPLICA_MIGRATIONS.length})`);
  }
  REPLICA_MIGRATIONS.slice(current).forEach((sql, i) => {
    const target = current + i + 1;
    try {
      db.transaction(() => {
        db.exec(sql);
        db.pragma(`user_version = ${target}`);
      }).immediate();
    } catch (cause) {
      db.close();
      throw new ReplicaDbError('REPLICA_MIGRATION_FAILED', `replica migration to schema ${target} failed`, { cause });
    }
  });
  return db;
}
