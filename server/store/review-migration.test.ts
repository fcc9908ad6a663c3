import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openMigratedDatabase } from '../../shared/sqlite/open.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { openDatabase } from './database.ts';
import { MIGRATIONS } from './migrations.ts';
import { ReviewBundleStore } from './review-bundles.ts';

/** The schema before report review. */
const BEFORE_REVIEW = MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE review_bundles'));
const REPORT_ID = '6f1c2b8e-0d6a-4c3e-9b7a-2f1e0d9c8b7a';

describe('the review migration', () => {
  const dirs = tempDirs();
  afterEach(() => dirs.removeAll());

  describe('when a data folder holds reports from before review', () => {
    it('queues each in a bundle of its own, received and not urgent, its indicators indexed', () => {
      const path = join(dirs.make('hf-review-mig-'), 'centre.db');
      const old = openMigratedDatabase(path, MIGRATIONS.slice(0, BEFORE_REVIEW), 'Centre database');
      try {
        old.prepare("INSERT INTO accounts (id, name, role, created_at) VALUES (5, 'example-host', 'provider', 1)").run();
        old.prepare(
          `INSERT INTO orders (order_id, provider_id, issuing_authority, legal_reference, surfaces, targets, not_before, not_after, created_at, created_by)
           VALUES ('DE-1', 5, 'AG', 'Az 1', '["p"]', '{"users":["u-1"],"groups":[],"channels":[]}', 1, 2, 1, 'op')`,
        ).run();
        old.prepare(
          `INSERT INTO reports (report_id, provider_id, order_id, indicator_ids, algorithm, distance, surface, subject, detected_at, preview,
             sidecar_version, replica_version, stale, payload_sha256, envelope, signed_by, received_at)
           VALUES (?, 5, 'DE-1', '[3,7]', 'pdq', 4, 'p', 'user:u-1', 1, NULL, '0.1.0', 1, 0, x'00', x'00', 'k', 42)`,
        ).run(REPORT_ID);
      } finally {
        old.close();
      }
      const db = openDatabase(path);
      try {
        const bundles = new ReviewBundleStore(db);
        expect(bundles.ofReport(REPORT_ID)).toMatchObject({ state: 'received', urgent: false, openedAt: 42, providerId: 5, subject: 'user:u-1' });
        expect(bundles.nextQueued(100)?.id).toBe(bundles.ofReport(REPORT_ID)?.id);
        expect(db.prepare('SELECT indicator_id FROM report_indicators ORDER BY indicator_id').all()).toEqual([{ indicator_id: 3 }, { indicator_id: 7 }]);
      } finally {
        db.close();
      }
    });
  });
});
