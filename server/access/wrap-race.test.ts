import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { enrolProvider, fetchAccessList, giveOrder } from '../testing/access-fixture.ts';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

let t: TestCentre | undefined;
afterEach(async () => {
  await t?.centre.wraps.settled();
  t?.close();
  t = undefined;
});

/** Submits and approves one indicator, leaving it for the next publication. */
async function approveOne(centre: TestCentre): Promise<void> {
  const rows = [{ algorithm: 'pdq', hash: randomBytes(32).toString('hex'), category: 'A1', reference: `race-${randomBytes(4).toString('hex')}` }];
  const submitted = await centre.request('POST', '/v1/indicators', centre.tokens.authority, JSON.stringify(rows), 'application/json');
  expect(submitted.status).toBe(201);
  const { batchId } = (await submitted.json()) as { batchId: number };
  expect((await centre.request('POST', `/v1/batches/${batchId}/approve`, centre.tokens.operator)).status).toBe(200);
}

describe('the wrap service', () => {
  describe('when the provider loses its order while the wrap of the current epoch is being made', () => {
    it('stores no wrap for it, so the publication in between starts an epoch, or the provider holds no key of it', async () => {
      const c = createTestCentre();
      t = c;
      const provider = await enrolProvider(t, 'example-host');
      await publishIndicators(t, 1);
      await t.centre.wraps.settled();
      await giveOrder(t, 'example-host', 'DE-2026-0001', t.clock.now);
      await approveOne(t);
      const account = t.centre.accounts.byName('example-host');
      if (account === undefined) throw new Error('no account');

      // The list's HPKE wrap is made outside any transaction; before it is stored, the order ends and a version is published.
      const pending = t.centre.wraps.accessList(account, t.clock.now);
      t.centre.write(() => c.centre.orders.end('DE-2026-0001', 'centre-op', c.clock.now));
      const published = t.centre.publisher.publish('centre-op', t.clock.now);
      const list = await pending;

      const held = new Set(list.keys.map((k) => k.epoch));
      expect(held.has(published.epoch)).toBe(false);
      // Nor does any later answer give it the epoch of the version published after its order ended.
      await t.centre.wraps.settled();
      expect((await fetchAccessList(t, provider.token)).keys.map((k) => k.epoch)).not.toContain(published.epoch);
      const stored = t.centre.db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM epoch_wraps WHERE epoch = ?').get(published.epoch)?.n;
      expect(stored).toBe(0);
    });
  });
});
