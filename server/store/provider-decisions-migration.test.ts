import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { reviewFixture } from '../testing/review-fixture.ts';
import { createTestCentre } from '../testing/test-centre.ts';
import { openDatabase } from './database.ts';
import { MIGRATIONS } from './migrations.ts';
import { ProviderDecisionStore } from './provider-decisions.ts';

const JSON_TYPE = 'application/json';
/** The schema before the decisions feed. */
const BEFORE_DECISIONS = MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE provider_decisions'));

describe('the provider decisions migration', () => {
  const dirs = tempDirs();
  afterEach(() => dirs.removeAll());

  describe('when a data folder holds reports decided and held before the decisions feed', () => {
    it("tells each provider its reports' standing decisions, with their reasons and the furthest hold", async () => {
      const t = createTestCentre();
      const path = join(dirs.make('hf-decisions-mig-'), 'centre.db');
      let forwarded = '';
      let unfounded = '';
      let until = 0;
      try {
        const f = await reviewFixture(t, { memberState: 'DE' });
        const decide = async (id: string, body: unknown): Promise<void> => {
          await t.request('GET', '/v1/review/next', t.tokens.reviewer);
          const res = await t.request('POST', `/v1/review/reports/${id}/decision`, t.tokens.reviewer, JSON.stringify(body), JSON_TYPE);
          if (res.status !== 200) throw new Error(`decide: ${res.status}`);
        };
        forwarded = await f.send({ subject: 'user:u-1' });
        await decide(forwarded, { decision: 'forwarded' });
        unfounded = await f.send({ subject: 'user:u-2' });
        await decide(unfounded, { decision: 'unfounded', reason: 'preview_mismatch', comment: 'A landscape.' });
        await f.send({ subject: 'user:u-3' }); // still undecided: nothing to tell
        until = t.clock.now + 30 * 86_400_000;
        expect((await t.request('POST', `/v1/inbox/reports/${forwarded}/hold`, t.tokens.europol, JSON.stringify({ until }), JSON_TYPE)).status).toBe(201);
        t.centre.db.prepare('VACUUM INTO ?').run(path);
      } finally {
        t.close();
      }
      // The same folder as it was before the feed: the table absent, the schema one step back.
      const old = new Database(path);
      try {
        old.exec('DROP TABLE provider_decisions');
        old.pragma(`user_version = ${BEFORE_DECISIONS}`);
      } finally {
        old.close();
      }

      const db = openDatabase(path);
      try {
        const providerId = db.prepare<[], { id: number }>("SELECT id FROM accounts WHERE name = 'example-host'").get()?.id ?? 0;
        const entries = new ProviderDecisionStore(db).page(providerId, 0, 10);
        expect(entries.map(({ reportId, decision, reason, holdUntil }) => ({ reportId, decision, reason, holdUntil }))).toEqual([
          { reportId: forwarded, decision: 'forwarded', reason: null, holdUntil: until },
          { reportId: unfounded, decision: 'unfounded', reason: 'preview_mismatch', holdUntil: null },
        ]);
      } finally {
        db.close();
      }
    });
  });
});
