import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Centre } from '../centre.ts';
import { reviewFixture } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const REPORTS = 150;
const childScript = join(import.meta.dirname, '..', 'testing', 'review-child.ts');
const children = new Set<ChildProcess>();
let t: TestCentre | undefined;

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  t?.close();
  t = undefined;
});

/** Runs the child reviewers and kills them `delayMs` after they start; resolves whether they finished first. */
function reviewAndKill(dataDir: string, delayMs: number | null): Promise<'killed' | 'finished'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    let output = '';
    let armed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (delayMs !== null && !armed && output.includes('reviewing')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.once('error', reject);
    child.once('exit', () => {
      children.delete(child);
      resolve(output.includes('reviewed') ? 'finished' : 'killed');
    });
  });
}

const count = (centre: Centre, sql: string): number => centre.db.prepare<[], { n: number }>(sql).get()?.n ?? -1;

/** Every report is in exactly one state, and each decision came with its record, its forwarding and its audit entry, or none of them. */
function checkConsistent(centre: Centre): { final: number } {
  expect(centre.db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(count(centre, 'SELECT count(*) AS n FROM report_reviews')).toBe(REPORTS);
  expect(count(centre, 'SELECT count(DISTINCT report_id) AS n FROM report_reviews')).toBe(REPORTS);
  const final = count(centre, "SELECT count(*) AS n FROM review_bundles WHERE state IN ('forwarded', 'unfounded')");
  expect(count(centre, 'SELECT count(*) AS n FROM review_decisions')).toBe(final);
  expect(count(centre, "SELECT count(*) AS n FROM audit WHERE action = 'review.decide'")).toBe(final);
  expect(
    count(centre, `SELECT count(*) AS n FROM review_bundles b WHERE b.state IN ('forwarded', 'unfounded')
      AND (SELECT decision FROM review_decisions d WHERE d.bundle_id = b.id ORDER BY d.id DESC LIMIT 1) IS NOT b.state`),
  ).toBe(0);
  // Each forwarded report has exactly one signed record, delivered to DE-BKA and Europol; no other report has one.
  expect(
    count(centre, `SELECT count(*) AS n FROM review_bundles b JOIN report_reviews rr ON rr.bundle_id = b.id
      WHERE b.state = 'forwarded' AND (SELECT count(*) FROM forwarding_records f WHERE f.report_id = rr.report_id) != 1`),
  ).toBe(0);
  expect(count(centre, 'SELECT count(*) AS n FROM forwarding_records')).toBe(
    count(centre, "SELECT count(*) AS n FROM review_bundles b JOIN report_reviews rr ON rr.bundle_id = b.id WHERE b.state = 'forwarded'"),
  );
  expect(count(centre, 'SELECT count(*) AS n FROM inbox_items')).toBe(2 * count(centre, 'SELECT count(*) AS n FROM forwarding_records'));
  return { final };
}

describe('review under crashes', () => {
  describe('when the reviewing process is killed at any point', () => {
    it('leaves every report in exactly one state, each decision whole, and the queue able to go on', { timeout: 120_000 }, async () => {
      t = createTestCentre();
      const users = Array.from({ length: REPORTS }, (_, i) => `u-${i + 1}`);
      const f = await reviewFixture(t, { memberState: 'DE', targets: { users, groups: [], channels: [] } });
      // One subject each, so that every report is its own bundle: as many transitions as reports.
      for (const [i, user] of users.entries()) await f.send({ subject: `user:${user}`, indicatorIds: [i % 2 === 0 ? f.routine : f.urgent] });
      t.clock.now += 25 * 3_600_000;
      const outcomes: string[] = [];
      let decided = 0;
      for (const delayMs of [30, 60, 100, 150, 250]) {
        outcomes.push(await reviewAndKill(t.dataDir, delayMs));
        const { final } = checkConsistent(t.centre);
        expect(final).toBeGreaterThanOrEqual(decided);
        decided = final;
      }
      // Leases held by killed reviewers lapse; a run to the end decides everything.
      outcomes.push(await reviewAndKill(t.dataDir, null));
      expect(outcomes.at(-1)).toBe('finished');
      expect(outcomes.slice(0, -1)).toContain('killed');
      checkConsistent(t.centre);
      expect(count(t.centre, "SELECT count(*) AS n FROM review_bundles WHERE state NOT IN ('forwarded', 'unfounded')")).toBe(0);
    });
  });
});
