import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { hasCode } from '../../shared/errors.ts';
import { expectStatus } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const row = (category: string) => ({ algorithm: 'pdq', hash: randomBytes(32).toString('hex'), category, reference: `case-${category}` });

async function submit(t: TestCentre, token: string, rows: readonly object[]): Promise<number> {
  const res = await expectStatus(t.request('POST', '/v1/indicators', token, JSON.stringify(rows), 'application/json'), 201, 'submit');
  return Number(Reflect.get(Object(await res.json()), 'batchId'));
}

/** Everything a publication would touch, read back: equal before and after means nothing was written. */
function databaseState(t: TestCentre): unknown {
  const { db } = t.centre;
  return {
    changes: db.prepare('SELECT total_changes() AS n').get(),
    tables: ['versions', 'indicators', 'feed_changes', 'version_counts', 'audit', 'snapshots', 'timestamps', 'state_accumulator'].map((table) =>
      db.prepare(`SELECT count(*) AS n FROM ${table}`).get(),
    ),
    log: t.centre.log.size(),
  };
}

describe('publisher plan (the dry run)', () => {
  let t: TestCentre | undefined;
  afterEach(() => {
    t?.close();
    t = undefined;
  });

  describe('when approved indicators and a queued removal wait', () => {
    it('says what the next version adds and tombstones, by category and authority, and writes nothing', async () => {
      const c = (t = createTestCentre());
      const first = await submit(c, c.tokens.authority, [row('A1')]);
      await expectStatus(c.request('POST', `/v1/batches/${first}/approve`, c.tokens.operator), 200, 'approve');
      await expectStatus(c.request('POST', '/v1/publish', c.tokens.operator), 201, 'publish');
      const listed = Object(await (await c.request('GET', `/v1/indicators?batch=${first}`, c.tokens.operator)).json());
      const revoked = Number(Reflect.get(Object(Reflect.get(listed, 'indicators')[0]), 'id'));
      await expectStatus(c.request('POST', `/v1/indicators/${revoked}/revoke`, c.tokens.authority, JSON.stringify({ reason: c.centre.config.reasonCodes[0] }), 'application/json'), 200, 'revoke');
      const second = await submit(c, c.tokens.authority, [row('A1'), row('B1'), row('B1')]);
      await expectStatus(c.request('POST', `/v1/batches/${second}/approve`, c.tokens.operator), 200, 'approve');
      await submit(c, c.tokens.authority, [row('B2')]); // not approved: not in the plan

      const before = databaseState(c);
      const plan = c.centre.publisher.plan(c.clock.now);
      expect(databaseState(c)).toEqual(before);

      expect(plan).toMatchObject({ version: 2, publishable: true, adds: 3, removes: 1, suspended: 0, emptyReason: null });
      expect(plan.byCategory).toEqual([
        { key: 'A1', adds: 1, removes: 1 },
        { key: 'B1', adds: 2, removes: 0 },
      ]);
      expect(plan.byAuthority).toEqual([{ key: 'DE-BKA', adds: 3, removes: 1 }]);
      expect(plan.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(c.centre.publisher.plan(c.clock.now).digest).toBe(plan.digest);

      const published = c.centre.publisher.publish('centre-op', c.clock.now, { expectedPlan: plan.digest });
      expect(published).toMatchObject({ version: plan.version, adds: plan.adds, removes: plan.removes });
      // The counts the version recorded are the ones the dry run showed.
      const recorded = c.centre.db
        .prepare<[number], { key: string; adds: number; removes: number }>("SELECT key, adds, removes FROM version_counts WHERE version = ? AND dimension = 'category' AND (adds > 0 OR removes > 0) ORDER BY key")
        .all(plan.version);
      expect(recorded).toEqual(plan.byCategory);
    });
  });

  describe('when nothing is approved and nothing is queued for removal', () => {
    it('is not publishable', () => {
      const c = (t = createTestCentre());
      expect(c.centre.publisher.plan(c.clock.now)).toMatchObject({ version: 1, publishable: false, adds: 0, removes: 0, emptyReason: null, byCategory: [], byAuthority: [] });
    });
  });

  describe('when the registry changed after the dry run', () => {
    it('refuses the publication with PUBLISH_PLAN_CHANGED and publishes nothing', async () => {
      const c = (t = createTestCentre());
      const batch = await submit(c, c.tokens.authority, [row('A1')]);
      await expectStatus(c.request('POST', `/v1/batches/${batch}/approve`, c.tokens.operator), 200, 'approve');
      const plan = c.centre.publisher.plan(c.clock.now);
      const later = await submit(c, c.tokens.authority, [row('B1')]);
      await expectStatus(c.request('POST', `/v1/batches/${later}/approve`, c.tokens.operator), 200, 'approve');
      let thrown: unknown;
      try {
        c.centre.publisher.publish('centre-op', c.clock.now, { expectedPlan: plan.digest });
      } catch (err) {
        thrown = err;
      }
      expect(hasCode(thrown, 'PUBLISH_PLAN_CHANGED')).toBe(true);
      expect(c.centre.publisher.latestVersion()).toBe(0);
      expect(c.centre.log.size()).toBe(0);
    });
  });
});
