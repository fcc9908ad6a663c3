import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openCentre, type Centre } from '../../../server/centre.ts';
import { reviewFixture } from '../../../server/testing/review-fixture.ts';
import { createTestCentre } from '../../../server/testing/test-centre.ts';
import { tempDirs } from '../../../shared/testing/temp-dirs.ts';
import { runAndKill } from './kill.ts';
import { checkRun, Invariants, type ChaosRun, type ChaosScenario } from './scenario.ts';

const REPORTS = 60;
const child = join(import.meta.dirname, '..', '..', '..', 'server', 'testing', 'review-child.ts');
const MARKERS = { start: 'reviewing', done: 'reviewed' };

const count = (centre: Centre, sql: string): number => centre.db.prepare<[], { n: number }>(sql).get()?.n ?? -1;

/** Every report in exactly one review state; each decision with its record, forwarding and audit entry, or none (as server/review/crash.test.ts checks). */
function checkReview(centre: Centre, is: Invariants): void {
  is.equal(centre.db.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check');
  is.equal(count(centre, 'SELECT count(*) AS n FROM report_reviews'), REPORTS, 'reports under review');
  is.equal(count(centre, 'SELECT count(DISTINCT report_id) AS n FROM report_reviews'), REPORTS, 'reports in exactly one review state');
  const final = count(centre, "SELECT count(*) AS n FROM review_bundles WHERE state IN ('forwarded', 'unfounded')");
  is.equal(count(centre, 'SELECT count(*) AS n FROM review_decisions'), final, 'decision records against decided bundles');
  is.equal(count(centre, "SELECT count(*) AS n FROM audit WHERE action = 'review.decide'"), final, 'audit entries against decided bundles');
  is.equal(
    count(centre, `SELECT count(*) AS n FROM review_bundles b WHERE b.state IN ('forwarded', 'unfounded')
      AND (SELECT decision FROM review_decisions d WHERE d.bundle_id = b.id ORDER BY d.id DESC LIMIT 1) IS NOT b.state`),
    0,
    'bundles whose state is not their last decision',
  );
  is.equal(
    count(centre, `SELECT count(*) AS n FROM review_bundles b JOIN report_reviews rr ON rr.bundle_id = b.id
      WHERE b.state = 'forwarded' AND (SELECT count(*) FROM forwarding_records f WHERE f.report_id = rr.report_id) != 1`),
    0,
    'forwarded reports without exactly one forwarding record',
  );
  is.equal(
    count(centre, 'SELECT count(*) AS n FROM forwarding_records'),
    count(centre, "SELECT count(*) AS n FROM review_bundles b JOIN report_reviews rr ON rr.bundle_id = b.id WHERE b.state = 'forwarded'"),
    'forwarding records against forwarded reports',
  );
  is.equal(count(centre, 'SELECT count(*) AS n FROM inbox_items'), 2 * count(centre, 'SELECT count(*) AS n FROM forwarding_records'), 'inbox items (two per forwarding record)');
}

/** Three reviewers deciding REPORTS queued reports through the review desk, killed at random points. */
export function reviewScenario(): ChaosScenario {
  const dirs = tempDirs();
  let template = '';
  const runOnce = async (delayMs: number | null) => {
    const dataDir = dirs.make('hf-chaos-review-');
    cpSync(template, dataDir, { recursive: true });
    return { dataDir, ...(await runAndKill(child, [dataDir], MARKERS, delayMs)) };
  };
  return {
    async prepare() {
      const t = createTestCentre();
      try {
        const users = Array.from({ length: REPORTS }, (_, i) => `u-${i + 1}`);
        const f = await reviewFixture(t, { memberState: 'DE', targets: { users, groups: [], channels: [] } });
        // One subject each, so that every report is its own bundle: as many transitions as reports.
        for (const [i, user] of users.entries()) await f.send({ subject: `user:${user}`, indicatorIds: [i % 2 === 0 ? f.routine : f.urgent] });
        t.centre.db.pragma('wal_checkpoint(TRUNCATE)');
        template = dirs.make('hf-chaos-review-template-');
        cpSync(t.dataDir, template, { recursive: true });
      } finally {
        t.close();
      }
      const calibration = await runOnce(null);
      rmSync(calibration.dataDir, { recursive: true, force: true });
      return { operationMs: calibration.elapsedMs };
    },
    async run(_index, delayMs): Promise<ChaosRun> {
      const { dataDir, outcome } = await runOnce(delayMs);
      return checkRun(dataDir, outcome, delayMs, async (is) => {
        const reopen = (): Centre => openCentre(dataDir, Date.now(), {});
        let centre = reopen();
        try {
          checkReview(centre, is);
        } finally {
          centre.close();
        }
        // Leases held by the killed reviewers lapse; a restarted run decides everything.
        const rerun = await runAndKill(child, [dataDir], MARKERS, null);
        is.equal(rerun.outcome, 'finished', 'a restarted review run finishes');
        centre = reopen();
        try {
          checkReview(centre, is);
          is.equal(count(centre, "SELECT count(*) AS n FROM review_bundles WHERE state NOT IN ('forwarded', 'unfounded')"), 0, 'bundles undecided after the restarted run');
        } finally {
          centre.close();
        }
      });
    },
    async close() {
      dirs.removeAll();
    },
  };
}
