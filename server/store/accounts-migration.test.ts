import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openMigratedDatabase } from '../../shared/sqlite/open.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { AccountStore } from './accounts.ts';
import { openDatabase } from './database.ts';
import { MIGRATIONS } from './migrations.ts';

/** The schema before reviewers, Europol and Member States (the accounts rebuild). */
const BEFORE_ROLES = MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE accounts_rebuilt'));

describe('the accounts table rebuild', () => {
  const dirs = tempDirs();
  afterEach(() => dirs.removeAll());

  function oldCentre(): { path: string; tokenHash: Buffer } {
    const path = join(dirs.make('hf-accounts-'), 'centre.db');
    const old = openMigratedDatabase(path, MIGRATIONS.slice(0, BEFORE_ROLES), 'Centre database');
    try {
      const insert = old.prepare('INSERT INTO accounts (name, role, created_at, disabled_at) VALUES (?, ?, ?, ?)');
      insert.run('admin', 'admin', 1, null);
      insert.run('DE-BKA', 'authority', 2, null);
      insert.run('gone-host', 'provider', 3, 4);
      const tokenHash = Buffer.alloc(32, 7);
      old.prepare('INSERT INTO tokens (account_id, token_hash, label, created_at) VALUES (2, ?, ?, 5)').run(tokenHash, 'kept');
      old.prepare('INSERT INTO batches (authority_id, created_at, row_count) VALUES (2, 6, 1)').run();
      return { path, tokenHash };
    } finally {
      old.close();
    }
  }

  describe('when a data folder from before is opened', () => {
    it('keeps every account with its id, and the rows that point at them', () => {
      const { path } = oldCentre();
      const db = openDatabase(path);
      try {
        const accounts = new AccountStore(db);
        expect(accounts.list().map((a) => [a.id, a.name, a.role, a.createdAt, a.disabledAt, a.memberState])).toEqual([
          [1, 'admin', 'admin', 1, null, null],
          [2, 'DE-BKA', 'authority', 2, null, null],
          [3, 'gone-host', 'provider', 3, 4, null],
        ]);
        expect(db.prepare('SELECT account_id, label FROM tokens').all()).toEqual([{ account_id: 2, label: 'kept' }]);
        expect(db.pragma('foreign_key_check')).toEqual([]);
        expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      } finally {
        db.close();
      }
    });

    it('still enforces the foreign keys and the new role and Member State checks', () => {
      const { path } = oldCentre();
      const db = openDatabase(path);
      try {
        expect(() => db.prepare('INSERT INTO tokens (account_id, token_hash, created_at) VALUES (99, x\'00\', 1)').run()).toThrow(/FOREIGN KEY/);
        expect(() => db.prepare("INSERT INTO accounts (name, role, created_at) VALUES ('x', 'king', 1)").run()).toThrow(/CHECK/);
        expect(() => db.prepare("INSERT INTO accounts (name, role, created_at, member_state) VALUES ('x', 'provider', 1, 'DE')").run()).toThrow(/CHECK/);
        const accounts = new AccountStore(db);
        db.transaction(() => {
          accounts.ensure('rev-1', 'reviewer', 9);
          accounts.ensure('europol', 'europol', 9);
        })();
        expect(accounts.withRole('europol').map((a) => a.name)).toEqual(['europol']);
      } finally {
        db.close();
      }
    });

    it('lets an authority from before get its Member State once, and never a second one', () => {
      const { path } = oldCentre();
      const db = openDatabase(path);
      try {
        const accounts = new AccountStore(db);
        expect(accounts.authoritiesOf('DE')).toEqual([]);
        expect(accounts.ensure('DE-BKA', 'authority', 9, 'DE').account.memberState).toBe('DE');
        expect(accounts.authoritiesOf('DE').map((a) => a.name)).toEqual(['DE-BKA']);
        expect(() => accounts.ensure('DE-BKA', 'authority', 9, 'FR')).toThrow(/belongs to Member State DE/);
        expect(() => accounts.ensure('rev-2', 'reviewer', 9, 'DE')).toThrow(/only an authority/);
      } finally {
        db.close();
      }
    });
  });
});
