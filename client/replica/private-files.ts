import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';

/** The files of one SQLite database in WAL mode. */
const SQLITE_SUFFIXES = ['', '-wal', '-shm', '-journal'] as const;

/**
 * Makes a SQLite database owner-only (0600) before it is opened: the file is
 * created 0600 if absent, and it and any WAL, SHM or journal file an earlier
 * version left readable are tightened. SQLite creates its WAL and SHM files
 * with the database file's mode, so they follow. The replica database holds
 * order targets and queued reports.
 */
export function makeDatabasePrivate(path: string): void {
  if (path === ':memory:') return;
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const suffix of SQLITE_SUFFIXES) {
    if (existsSync(`${path}${suffix}`)) chmodSync(`${path}${suffix}`, 0o600);
  }
}
