import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openMigratedDatabase, type SqliteDatabase } from '../../shared/sqlite/open.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { GroupCommit } from './group-commit.ts';

const dirs = tempDirs();
const open: SqliteDatabase[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  dirs.removeAll();
});

/** A real database file, and a GroupCommit whose transactions are counted as they open. */
function setUp(maxBatch?: number) {
  const db = openMigratedDatabase(join(dirs.make('hf-group-commit-'), 'test.db'), ['CREATE TABLE items (name TEXT PRIMARY KEY)'], 'test');
  open.push(db);
  let transactions = 0;
  const commits = new GroupCommit({
    transaction: (fn) => {
      transactions++;
      return db.transaction(fn).immediate();
    },
    savepoint: (fn) => db.transaction(fn)(),
    ...(maxBatch === undefined ? {} : { maxBatch }),
  });
  const insert = db.prepare<[string]>('INSERT INTO items (name) VALUES (?)');
  const names = (): string[] => db.prepare<[], { name: string }>('SELECT name FROM items ORDER BY name').all().map((r) => r.name);
  return { db, commits, insert, names, transactions: () => transactions };
}

describe('GroupCommit', () => {
  describe('when writes are queued in the same turn', () => {
    it('commits them in one transaction and answers each with its own result', async () => {
      const { commits, insert, names, transactions } = setUp();
      const results = await Promise.all(['a', 'b', 'c', 'd'].map((name) => commits.run(() => (insert.run(name), name.toUpperCase()))));
      expect(results).toEqual(['A', 'B', 'C', 'D']);
      expect(names()).toEqual(['a', 'b', 'c', 'd']);
      expect(transactions()).toBe(1);
    });

    it('rolls back only the write that throws, and rejects only its caller', async () => {
      const { commits, insert, names } = setUp();
      const outcomes = await Promise.allSettled([
        commits.run(() => insert.run('a')),
        commits.run(() => {
          insert.run('b');
          throw new Error('refused');
        }),
        // A constraint failure half way through a write: its savepoint goes, the others stay.
        commits.run(() => {
          insert.run('c');
          insert.run('a');
        }),
        commits.run(() => insert.run('d')),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect(names()).toEqual(['a', 'd']);
    });

    it('splits them into transactions of at most maxBatch writes', async () => {
      const { commits, insert, names, transactions } = setUp(2);
      await Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => commits.run(() => insert.run(name))));
      expect(names()).toHaveLength(5);
      expect(transactions()).toBe(3);
    });
  });

  describe('when the transaction itself fails', () => {
    it('rejects every write of the batch and keeps none of them', async () => {
      const { db, commits, insert, names } = setUp();
      const outcomes = await Promise.allSettled([commits.run(() => insert.run('a')), commits.run(() => insert.run('b'))]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
      // A writer that holds the lock elsewhere: the next batch cannot begin (busy_timeout shortened for the test).
      const other = openMigratedDatabase(db.name, ['CREATE TABLE items (name TEXT PRIMARY KEY)'], 'test');
      open.push(other);
      db.pragma('busy_timeout = 10');
      other.prepare('BEGIN IMMEDIATE').run();
      const failed = await Promise.allSettled([commits.run(() => insert.run('c')), commits.run(() => insert.run('d'))]);
      other.prepare('ROLLBACK').run();
      expect(failed.map((o) => o.status)).toEqual(['rejected', 'rejected']);
      expect(names()).toEqual(['a', 'b']);
    });
  });

  describe('when writes come one turn apart', () => {
    it('commits each in its own transaction, without waiting for company', async () => {
      const { commits, insert, transactions } = setUp();
      await commits.run(() => insert.run('a'));
      await commits.run(() => insert.run('b'));
      expect(transactions()).toBe(2);
    });
  });
});
