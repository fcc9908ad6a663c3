import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKey, VerifierKey } from '../../shared/crypto/index.ts';
import { openMigratedDatabase } from '../../shared/sqlite/open.ts';
import { AccountStore } from './accounts.ts';
import { AuditLog } from './audit.ts';
import { openDatabase } from './database.ts';
import { MIGRATIONS } from './migrations.ts';
import { ProviderKeyStore } from './provider-keys.ts';

/** The schema before report keys needed approval (migration 2). */
const BEFORE_APPROVAL = MIGRATIONS.findIndex((sql) => sql.includes('ADD COLUMN approved_at'));

describe('ProviderKeyStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hf-pkeys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('when a data folder from before key approval is opened', () => {
    it('keeps the keys registered then approved, and says so in the audit', () => {
      const path = join(dir, 'centre.db');
      const key = generateSigningKey('hashfeed/provider-sidecar');
      const old = openMigratedDatabase(path, MIGRATIONS.slice(0, BEFORE_APPROVAL), 'Centre database');
      // Raw SQL: today's AccountStore reads columns that schema does not have yet.
      const accountId = Number(old.prepare("INSERT INTO accounts (name, role, created_at) VALUES ('example-host', 'provider', 1)").run().lastInsertRowid);
      old.prepare('INSERT INTO provider_keys (account_id, verifier_key, key_id, created_at) VALUES (?, ?, ?, ?)').run(accountId, key.verifier.text, key.keyIdHex, 5);
      old.close();

      const db = openDatabase(path);
      try {
        const keys = new ProviderKeyStore(db);
        expect(keys.list(accountId)).toEqual([{ verifierKey: key.verifier.text, keyId: key.keyIdHex, createdAt: 5, status: 'approved' }]);
        expect(keys.keysOf(accountId, 'approved').map((k) => k.text)).toEqual([key.verifier.text]);
        expect(keys.page({ afterId: 0, limit: 10 })[0]).toMatchObject({ approvedBy: 'migration', approvedAt: 5 });
        expect(new AuditLog(db).page(0, 10)).toContainEqual(expect.objectContaining({ actor: 'migration', action: 'provider-key.approve', subject: 'example-host' }));
        // A squatter cannot take the migrated key under another name either.
        const other = new AccountStore(db).ensure('other-host', 'provider', 1).account.id;
        expect(() => keys.register(other, new VerifierKey('hashfeed/other', key.verifier.publicKey), 9)).toThrow(/another provider/);
      } finally {
        db.close();
      }
    });
  });

  describe('when a provider files report after report', () => {
    it('verifies each with the key parsed once, and still sees a revocation at once', () => {
      const db = openDatabase(join(dir, 'centre.db'));
      try {
        const keys = new ProviderKeyStore(db);
        const accountId = new AccountStore(db).ensure('example-host', 'provider', 1).account.id;
        const key = generateSigningKey('hashfeed/provider-sidecar');
        keys.register(accountId, key.verifier, 2);
        keys.approve(keys.page({ afterId: 0, limit: 1 })[0]?.id ?? 0, 'op', 3);
        const [first] = keys.keysOf(accountId, 'approved');
        const [again] = keys.keysOf(accountId, 'approved');
        // The same VerifierKey, so its node:crypto KeyObject is built once, not per report.
        expect(again).toBe(first);
        keys.revoke(keys.page({ afterId: 0, limit: 1 })[0]?.id ?? 0, 'op', 4);
        expect(keys.keysOf(accountId, 'approved')).toEqual([]);
      } finally {
        db.close();
      }
    });
  });
});
