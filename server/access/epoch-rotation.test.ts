import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openCentre, readCentreConfig, writeCentreConfig, type Centre } from '../centre.ts';
import { enrolProvider, fetchAccessList, giveOrder } from '../testing/access-fixture.ts';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

let t: TestCentre | undefined;
let reopened: Centre | undefined;
afterEach(async () => {
  await t?.centre.wraps.settled();
  if (reopened !== undefined) {
    // The test closed t's Centre before reopening its folder.
    reopened.close();
    if (t !== undefined) rmSync(t.dataDir, { recursive: true, force: true });
  } else t?.close();
  t = undefined;
  reopened = undefined;
});

type Loss = (centre: TestCentre, provider: { name: string; reportKeyId: string }) => Promise<void>;

const LOSSES: readonly (readonly [string, Loss])[] = [
  [
    'its account is disabled',
    async (c, p) => {
      c.centre.db.prepare('UPDATE accounts SET disabled_at = ? WHERE name = ?').run(c.clock.now, p.name);
    },
  ],
  [
    'the report key that vouched for its encryption key is revoked',
    async (c, p) => {
      const res = await c.request('POST', `/v1/provider/keys/${p.reportKeyId}/revoke`, c.tokens.operator, JSON.stringify({ provider: p.name }), 'application/json');
      expect(res.status).toBe(200);
    },
  ],
  [
    'its order is ended early',
    async (c) => {
      const res = await c.request('POST', '/v1/orders/DE-2026-0001/end', c.tokens.operator, JSON.stringify({ reason: 'court revoked it' }), 'application/json');
      expect(res.status).toBe(200);
    },
  ],
];

describe('the epoch schedule', () => {
  describe.each(LOSSES)('when a provider that received the current epoch key loses access because %s', (_name, lose) => {
    it('starts a new epoch at the next publication', async () => {
      t = createTestCentre();
      const provider = await enrolProvider(t, 'example-host');
      await giveOrder(t, 'example-host', 'DE-2026-0001', t.clock.now, 30);
      await publishIndicators(t, 1);
      expect((await fetchAccessList(t, provider.token)).keys.map((k) => k.epoch)).toEqual([1]);
      await lose(t, { name: 'example-host', reportKeyId: provider.reportKey.keyIdHex });
      t.clock.now += 1000;
      await publishIndicators(t, 1);
      expect(t.centre.publisher.latest()?.epoch).toBe(2);
    });
  });

  describe('when the access policy changes from account to order', () => {
    it('starts a new epoch at the next publication, which a provider without an order cannot read', async () => {
      t = createTestCentre({ accessPolicy: 'account' });
      const provider = await enrolProvider(t, 'example-host');
      await publishIndicators(t, 1);
      expect((await fetchAccessList(t, provider.token)).keys.map((k) => k.epoch)).toEqual([1]);
      await t.centre.wraps.settled();
      t.centre.close();
      writeCentreConfig(t.dataDir, { ...readCentreConfig(t.dataDir), accessPolicy: 'order' });
      reopened = openCentre(t.dataDir, t.clock.now, {});
      expect(reopened.entitlement.policy).toBe('order');
      const result = reopened.publisher.publish('centre-op', t.clock.now + 1000);
      expect(result).toMatchObject({ epoch: 2, epochBegan: 'entitlement' });
    });
  });
});
