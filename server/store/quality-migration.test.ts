import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openMigratedDatabase } from '../../shared/sqlite/open.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { openDatabase } from './database.ts';
import { IndicatorStore } from './indicators.ts';
import { MIGRATIONS } from './migrations.ts';

/** The schema before the quality loop and retention. */
const BEFORE = MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE indicators_rebuilt'));

describe('the quality and retention migration', () => {
  const dirs = tempDirs();
  afterEach(() => dirs.removeAll());

  describe('when a data folder holds indicators, confirmations, feed changes and reports', () => {
    it('keeps every indicator with its id and references, and lets a report be purged once but never deleted', () => {
      const path = join(dirs.make('hf-quality-mig-'), 'centre.db');
      const old = openMigratedDatabase(path, MIGRATIONS.slice(0, BEFORE), 'Centre database');
      try {
        old.exec(`
          INSERT INTO accounts (id, name, role, created_at, member_state) VALUES (2, 'DE-BKA', 'authority', 1, 'DE'), (5, 'example-host', 'provider', 1, NULL);
          INSERT INTO batches (id, authority_id, created_at, row_count) VALUES (1, 2, 1, 2);
          INSERT INTO indicators (id, algorithm, hash, category, status, batch_id, submitted_at, approved_at, version_added, removal_reason)
            VALUES (7, 'md5', x'00112233445566778899aabbccddeeff', 'A1', 'active', 1, 1, 2, 1, 'ENTRY_ERROR'),
                   (9, 'md5', x'ffeeddccbbaa99887766554433221100', 'B1', 'pending', 1, 1, NULL, NULL, NULL);
          INSERT INTO confirmations (indicator_id, authority_id, reference, category, batch_id, confirmed_at) VALUES (7, 2, 'c-7', 'A1', 1, 1), (9, 2, 'c-9', 'B1', 1, 1);
          INSERT INTO orders (order_id, provider_id, issuing_authority, legal_reference, surfaces, targets, not_before, not_after, created_at, created_by)
            VALUES ('DE-1', 5, 'AG', 'Az 1', '["p"]', '{"users":["u-1"],"groups":[],"channels":[]}', 1, 2, 1, 'op');
          INSERT INTO reports (report_id, provider_id, order_id, indicator_ids, algorithm, distance, surface, subject, detected_at, preview,
              sidecar_version, replica_version, stale, payload_sha256, envelope, signed_by, received_at)
            VALUES ('r-1', 5, 'DE-1', '[7]', 'md5', 0, 'p', 'user:u-1', 1, 'LEHV6nWB2yk8pyo0adR*.7kCMdnj', '0.1.0', 1, 0, x'00', x'0102', 'k', 42);`);
      } finally {
        old.close();
      }
      const db = openDatabase(path);
      try {
        const store = new IndicatorStore(db);
        expect(store.get(7)).toMatchObject({ status: 'active', removalReason: 'ENTRY_ERROR', approvedAt: 2, suspendedAt: null, qualitySince: null });
        expect(store.get(9)).toMatchObject({ status: 'pending', confirmations: [{ authority: 'DE-BKA', reference: 'c-9', reconfirmedAt: null }] });
        expect(db.pragma('foreign_key_check')).toEqual([]);
        expect(() => db.exec("UPDATE reports SET subject = 'user:u-2' WHERE report_id = 'r-1'")).toThrow(/append-only/);
        db.exec("UPDATE reports SET envelope = x'', preview = NULL, subject = '', purged_at = 100 WHERE report_id = 'r-1'");
        expect(db.prepare("SELECT subject, preview, length(envelope) AS bytes, purged_at, received_at FROM reports WHERE report_id = 'r-1'").get()).toEqual({
          subject: '',
          preview: null,
          bytes: 0,
          purged_at: 100,
          received_at: 42,
        });
        expect(() => db.exec("DELETE FROM reports WHERE report_id = 'r-1'")).toThrow(/append-only/);
      } finally {
        db.close();
      }
    });
  });
});
