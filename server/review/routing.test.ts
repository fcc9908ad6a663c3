import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { recipientsFor } from './routing.ts';

describe('the routing rule', () => {
  let t: TestCentre;
  beforeEach(() => {
    // Accounts: DE-BKA (DE) and europol from the test Centre, plus these.
    t = createTestCentre();
    t.account('DE-LKA-BY', 'authority', 'DE');
    t.account('FR-OCRVP', 'authority', 'FR');
    t.account('NL-POLITIE', 'authority', 'NL');
    t.centre.db.prepare("UPDATE accounts SET disabled_at = 1 WHERE name = 'NL-POLITIE'").run();
  });
  afterEach(() => t.close());

  const route = (orderMemberState: string | null, providerMemberState: string | null = null): string[] =>
    recipientsFor({ orderMemberState, providerMemberState }, t.centre.accounts).map((r) => r.account);

  describe('when the competent Member State has authorities', () => {
    it.each([
      ['the order is German', 'DE', null, ['DE-BKA', 'DE-LKA-BY', 'europol']],
      ['the order is French', 'FR', null, ['FR-OCRVP', 'europol']],
      ['the order is French and the provider established in Germany', 'FR', 'DE', ['DE-BKA', 'DE-LKA-BY', 'FR-OCRVP', 'europol']],
      ['both are French', 'FR', 'FR', ['FR-OCRVP', 'europol']],
    ])('sends to its authorities and Europol when %s', (_name, order, provider, expected) => {
      expect(route(order, provider)).toEqual(expected);
    });
  });

  describe('when no competent Member State can be determined', () => {
    it.each([
      ['the order has no Member State', null],
      ['its only authority is disabled', 'NL'],
      ['it has no authority account', 'AT'],
    ])('sends to Europol alone when %s', (_name, order) => {
      expect(route(order)).toEqual(['europol']);
    });
  });

  describe('when there is no Europol account', () => {
    it('sends to the authorities alone, or to nobody (the caller refuses that)', () => {
      t.centre.db.prepare("UPDATE accounts SET disabled_at = 1 WHERE role = 'europol'").run();
      expect(route('DE')).toEqual(['DE-BKA', 'DE-LKA-BY']);
      expect(route(null)).toEqual([]);
    });
  });

  it('names each recipient with its role and Member State', () => {
    expect(recipientsFor({ orderMemberState: 'FR', providerMemberState: null }, t.centre.accounts)).toEqual([
      { account: 'FR-OCRVP', role: 'authority', memberState: 'FR' },
      { account: 'europol', role: 'europol', memberState: null },
    ]);
  });
});
