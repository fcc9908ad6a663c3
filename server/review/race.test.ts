import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reviewFixture } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const BUNDLES = 60;
const PROCESSES = 4;
const REVIEWERS_EACH = 20;
const racerScript = join(import.meta.dirname, '..', 'testing', 'review-racer.ts');
const children = new Set<ChildProcess>();
let t: TestCentre | undefined;

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  t?.close();
  t = undefined;
});

/** One racing process: its reviewers' claims, as the report ids they got. */
function race(dataDir: string, prefix: string, startAt: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', racerScript, dataDir, prefix, String(REVIEWERS_EACH), String(startAt)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      children.delete(child);
      if (code !== 0) return reject(new Error(`racer ${prefix} exited with ${code}`));
      const parsed: unknown = JSON.parse(output);
      resolve(Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : []);
    });
  });
}

describe('reviewers racing for next', () => {
  describe('when several processes claim from one database at once', () => {
    it('hands every bundle to exactly one reviewer', { timeout: 120_000 }, async () => {
      t = createTestCentre();
      const users = Array.from({ length: BUNDLES }, (_, i) => `u-${i + 1}`);
      const f = await reviewFixture(t, { memberState: 'DE', targets: { users, groups: [], channels: [] } });
      for (const user of users) await f.send({ subject: `user:${user}` });
      const startAt = Date.now() + 3000;
      const claims = (await Promise.all(Array.from({ length: PROCESSES }, (_, i) => race(t?.dataDir ?? '', `racer${i}`, startAt)))).flat();
      // 80 reviewers for 60 bundles: every bundle claimed, none twice, 20 reviewers left empty-handed.
      expect(claims).toHaveLength(BUNDLES);
      expect(new Set(claims).size).toBe(BUNDLES);
      const claimAudits = t.centre.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM audit WHERE action = 'review.claim'").get()?.n;
      expect(claimAudits).toBe(BUNDLES);
    });
  });
});
