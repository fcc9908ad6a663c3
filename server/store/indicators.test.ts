import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountStore } from './accounts.ts';
import { openDatabase, type Db } from './database.ts';
import { IndicatorStore, type Submission } from './indicators.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';

const dirs = tempDirs();
afterEach(() => dirs.removeAll());

const row = (reference: string, hash: Uint8Array = randomBytes(32)): Submission => ({ algorithm: 'pdq', hash, category: 'A1', reference });

describe('IndicatorStore', () => {
  let db: Db;
  let store: IndicatorStore;
  let bka: number;
  let police: number;
  let operator: number;

  beforeEach(() => {
    db = openDatabase(join(dirs.make('hf-ind-'), 'centre.db'));
    const accounts = new AccountStore(db);
    bka = accounts.ensure('DE-BKA', 'authority', 1).account.id;
    police = accounts.ensure('NL-POLITIE', 'authority', 1).account.id;
    operator = accounts.ensure('op', 'operator', 1).account.id;
    store = new IndicatorStore(db);
  });
  afterEach(() => db.close());

  describe('when two authorities submit the same hash', () => {
    it('keeps one indicator with two confirmations', () => {
      const hash = randomBytes(32);
      const first = store.submit(bka, [row('bka-1', hash)], 10, 1);
      const second = store.submit(police, [row('nl-7', hash)], 20, 1);
      expect(first).toMatchObject({ created: 1, confirmed: 0 });
      expect(second).toMatchObject({ created: 0, confirmed: 1 });
      const [indicator] = store.query({ limit: 10 });
      expect(indicator?.confirmations.map((c) => [c.authority, c.reference])).toEqual([
        ['DE-BKA', 'bka-1'],
        ['NL-POLITIE', 'nl-7'],
      ]);
    });

    it('treats a repeated upload by the same authority as unchanged', () => {
      const hash = randomBytes(32);
      store.submit(bka, [row('bka-1', hash)], 10, 1);
      expect(store.submit(bka, [row('bka-1', hash)], 11, 1)).toMatchObject({ created: 0, confirmed: 0, unchanged: 1 });
    });
  });

  describe('when an operator approves a batch', () => {
    it('approves every pending indicator the batch confirmed, once', () => {
      const { batchId } = store.submit(bka, [row('a'), row('b'), row('c')], 10, 1);
      expect(store.approveBatch(batchId, operator, 20)).toBe(3);
      expect(store.approveBatch(batchId, operator, 21)).toBe(0);
      expect(store.query({ approved: true, limit: 10 })).toHaveLength(3);
    });
  });

  describe('when an authority revokes', () => {
    it('drops a pending indicator that loses its only confirmation', () => {
      store.submit(bka, [row('a')], 10, 1);
      const [indicator] = store.query({ limit: 1 });
      const result = store.revoke(indicator?.id ?? -1, bka, 'ENTRY_ERROR', 30, 1);
      expect(result.removal).toBe('dropped');
      expect(result.indicator).toMatchObject({ status: 'revoked', revokedReason: 'ENTRY_ERROR' });
    });

    it('refuses to revoke a confirmation the authority never gave', () => {
      store.submit(bka, [row('a')], 10, 1);
      const [indicator] = store.query({ limit: 1 });
      expect(() => store.revoke(indicator?.id ?? -1, police, 'ENTRY_ERROR', 30, 1)).toThrowError(expect.objectContaining({ code: 'STORE_NOT_FOUND' }));
    });

    it('keeps an indicator that another authority still confirms', () => {
      const hash = randomBytes(32);
      store.submit(bka, [row('a', hash)], 10, 1);
      store.submit(police, [row('b', hash)], 11, 1);
      const [indicator] = store.query({ limit: 1 });
      expect(store.revoke(indicator?.id ?? -1, bka, 'WITHDRAWN', 30, 1).removal).toBe('none');
    });
  });

  describe('with a filter by authority', () => {
    it('returns only what that authority confirmed', () => {
      store.submit(bka, [row('a'), row('b')], 10, 1);
      store.submit(police, [row('c')], 10, 1);
      expect(store.query({ authorityId: police, limit: 10 }).map((i) => i.confirmations[0]?.reference)).toEqual(['c']);
    });
  });

  describe('the audit table', () => {
    it('refuses updates and deletes', () => {
      db.prepare("INSERT INTO audit (at, actor, action) VALUES (1, 'x', 'y')").run();
      expect(() => db.prepare("UPDATE audit SET actor = 'z'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    });
  });
});
