import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DetectionOrder, OrderList } from '../../shared/wire/order.ts';
import { encodeOrderList } from '../../shared/wire/order.ts';
import { openReplicaDatabase } from '../replica/database.ts';
import { OrderSet } from './order-set.ts';
import { codeOf } from '../../shared/testing/code-of.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';

const dirs = tempDirs();
afterEach(() => dirs.removeAll());

const T0 = Date.UTC(2026, 10, 1);
const order = (orderId: string): DetectionOrder => ({
  orderId,
  issuingAuthority: 'Rechtbank Den Haag',
  legalReference: 'ECLI:NL:RBDHA:2026:1',
  provider: 'example-host',
  surfaces: ['public-posts'],
  targets: { users: ['u-1'], groups: [], channels: [] },
  notBefore: T0,
  notAfter: T0 + 86_400_000,
});
const list = (issuedAt: number, ids: string[], provider = 'example-host'): OrderList => ({ provider, issuedAt, orders: ids.map((id) => ({ ...order(id), provider })) });
const accept = (set: OrderSet, l: OrderList): boolean => set.accept(l, new Uint8Array([1]), encodeOrderList(l), l.issuedAt);

describe('order set', () => {
  const dbPath = (): string => join(dirs.make('hf-orders-'), 'replica.db');

  describe('when a newer list arrives', () => {
    it('replaces the orders held', () => {
      const set = new OrderSet(openReplicaDatabase(':memory:'), 'example-host');
      expect(accept(set, list(T0, ['A', 'B']))).toBe(true);
      expect(accept(set, list(T0 + 1, ['B']))).toBe(true);
      expect(set.orders.map((o) => o.orderId)).toEqual(['B']);
      expect(set.issuedAt).toBe(T0 + 1);
    });
  });

  describe('when the same list arrives again', () => {
    it('changes nothing', () => {
      const set = new OrderSet(openReplicaDatabase(':memory:'), 'example-host');
      accept(set, list(T0, ['A']));
      expect(accept(set, list(T0, ['A']))).toBe(false);
    });
  });

  describe('when an older list arrives', () => {
    it('refuses it as a rollback and keeps the current one', () => {
      const set = new OrderSet(openReplicaDatabase(':memory:'), 'example-host');
      accept(set, list(T0 + 10, ['B']));
      expect(codeOf(() => accept(set, list(T0, ['A', 'B'])))).toBe('ORDERS_ROLLBACK');
      expect(set.orders.map((o) => o.orderId)).toEqual(['B']);
    });
  });

  describe('when a list issued ahead of the local clock arrives', () => {
    const DAY = 86_400_000;
    it('refuses it beyond the allowed skew (ORDERS_FROM_FUTURE) and keeps the current one', () => {
      const set = new OrderSet(openReplicaDatabase(':memory:'), 'example-host');
      accept(set, list(T0, ['A']));
      const future = list(T0 + 300 * DAY, []);
      expect(codeOf(() => set.accept(future, new Uint8Array([1]), encodeOrderList(future), T0 + 1000))).toBe('ORDERS_FROM_FUTURE');
      expect(set.issuedAt).toBe(T0);
      expect(set.orders.map((o) => o.orderId)).toEqual(['A']);
      const withinSkew = list(T0 + 1000 + 5 * 60_000, []);
      expect(set.accept(withinSkew, new Uint8Array([1]), encodeOrderList(withinSkew), T0 + 1000)).toBe(true);
    });

    it('lets a correct list replace a held one from the future, rather than call it a rollback', () => {
      // Held from before the rule, persisted: reopened, its issuedAt is 300 days ahead of the clock.
      const path = dbPath();
      const future = list(T0 + 300 * DAY, ['A']);
      accept(new OrderSet(openReplicaDatabase(path), 'example-host'), future);
      const set = new OrderSet(openReplicaDatabase(path), 'example-host');
      const correct = list(T0, []);
      expect(set.accept(correct, new Uint8Array([1]), encodeOrderList(correct), T0)).toBe(true);
      expect(set.issuedAt).toBe(T0);
    });
  });

  describe("when another provider's list arrives", () => {
    it('refuses it', () => {
      const set = new OrderSet(openReplicaDatabase(':memory:'), 'example-host');
      expect(codeOf(() => accept(set, list(T0, ['A'], 'other-host')))).toBe('ORDERS_WRONG_PROVIDER');
      expect(set.orders).toEqual([]);
    });
  });

  describe('across a restart', () => {
    it('keeps the accepted list, and its issuedAt still guards against rollback', () => {
      const path = dbPath();
      const db = openReplicaDatabase(path);
      accept(new OrderSet(db, 'example-host'), list(T0 + 10, ['A']));
      db.close();
      const reopened = new OrderSet(openReplicaDatabase(path), 'example-host');
      expect(reopened.orders.map((o) => o.orderId)).toEqual(['A']);
      expect(codeOf(() => accept(reopened, list(T0, ['A', 'B'])))).toBe('ORDERS_ROLLBACK');
    });

    it('ignores a list kept for another provider (reconfigured sidecar)', () => {
      const path = dbPath();
      const db = openReplicaDatabase(path);
      accept(new OrderSet(db, 'example-host'), list(T0, ['A']));
      db.close();
      expect(new OrderSet(openReplicaDatabase(path), 'renamed-host').orders).toEqual([]);
    });

    it('holds no orders when the stored list is damaged (fail closed)', () => {
      const path = dbPath();
      const db = openReplicaDatabase(path);
      accept(new OrderSet(db, 'example-host'), list(T0, ['A']));
      db.prepare('UPDATE order_list SET payload = ?').run(Buffer.from([0x81, 0xa1, 0x78, 0x01]));
      expect(new OrderSet(db, 'example-host').orders).toEqual([]);
    });
  });
});
