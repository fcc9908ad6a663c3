import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEnvelope, generateSigningKey, signEnvelope, type SigningKey } from '../../shared/crypto/index.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { DECISIONS_PAYLOAD_TYPE, encodeDecisionList, type DecisionList } from '../../shared/wire/decision-list.ts';
import { openReplicaDatabase } from '../replica/database.ts';
import { Replica } from '../replica/replica.ts';
import { makeTestRoot, storeTrusting } from '../sync/testing/test-root.ts';
import { rootPinOf, TrustedStore } from '../sync/trusted-store/index.ts';
import { DecisionBook } from './decision-book.ts';
import { WebhookQueue } from './webhook-queue.ts';

const NOW = Date.UTC(2026, 10, 1);
const MINUTE = 60_000;
const REPORT_A = '6f1c2b8e-0d6a-4c3e-9b7a-2f1e0d9c8b7a';
const REPORT_B = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const dirs = tempDirs();
afterEach(() => dirs.removeAll());

const LIST: DecisionList = {
  provider: 'acme',
  issuedAt: NOW,
  since: 0,
  entries: [
    { seq: 3, reportId: REPORT_A, decision: 'forwarded' },
    { seq: 7, reportId: REPORT_B, decision: 'unfounded', reason: 'indicator_error' },
  ],
  more: false,
};

const signed = (list: DecisionList, key: SigningKey, type = DECISIONS_PAYLOAD_TYPE): Uint8Array => encodeEnvelope(signEnvelope(type, encodeDecisionList(list), [key]));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof Error && 'code' in err ? String(err.code) : String(err);
  }
  return undefined;
}

describe('decisions list in the trusted store (PROTOCOL 12.3)', () => {
  const root = makeTestRoot(NOW);
  const setup = (path = ':memory:', options: { webhook?: boolean } = {}) => {
    const db = openReplicaDatabase(path);
    const replica = new Replica(db);
    const store = storeTrusting(replica, root);
    const book = new DecisionBook(db, 'acme', options);
    return { db, store, book };
  };

  describe('when the list is signed, for this provider, fresh and in sequence', () => {
    it('stores each report’s state, moves the cursor, and keeps both across a restart', () => {
      const path = join(dirs.make('hf-decisions-'), 'replica.db');
      const first = setup(path);
      first.store.acceptDecisionList(signed(LIST, root.online['provider-list']), first.book, NOW);
      expect(first.book.cursor).toBe(7);
      first.db.close();
      const db = openReplicaDatabase(path);
      const again = new DecisionBook(db, 'acme');
      expect(again.cursor).toBe(7);
      expect(again.after(0, 10)).toEqual([
        { seq: 3, reportId: REPORT_A, decision: 'forwarded', receivedAt: NOW },
        { seq: 7, reportId: REPORT_B, decision: 'unfounded', reason: 'indicator_error', receivedAt: NOW },
      ]);
      db.close();
    });

    it('replaces a report’s state with a newer entry, which then sorts last', () => {
      const { store, book } = setup();
      store.acceptDecisionList(signed(LIST, root.online['provider-list']), book, NOW);
      const hold = { until: NOW + 30 * 86_400_000 };
      store.acceptDecisionList(signed({ ...LIST, issuedAt: NOW + 1, since: 7, entries: [{ seq: 12, reportId: REPORT_A, decision: 'forwarded', hold }] }, root.online['provider-list']), book, NOW + 1);
      expect(book.after(0, 10).map((d) => [d.seq, d.reportId, d.hold])).toEqual([
        [7, REPORT_B, undefined],
        [12, REPORT_A, hold],
      ]);
      expect(book.after(7, 10).map((d) => d.reportId)).toEqual([REPORT_A]);
    });
  });

  describe('when the sidecar is reconfigured to another provider account', () => {
    it('holds and queues none of the old provider’s decisions, and starts the new one’s from 0', () => {
      const path = join(dirs.make('hf-decisions-'), 'replica.db');
      const first = setup(path, { webhook: true });
      first.store.acceptDecisionList(signed(LIST, root.online['provider-list']), first.book, NOW);
      expect(new WebhookQueue(first.db).list()).toHaveLength(2);
      first.db.close();
      const db = openReplicaDatabase(path);
      try {
        const other = new DecisionBook(db, 'other-host', { webhook: true });
        expect(other.cursor).toBe(0);
        expect(other.after(0, 10)).toEqual([]);
        expect(other.of(REPORT_A)).toBeUndefined();
        expect(new WebhookQueue(db).list()).toEqual([]);
        // The root accepted before the restart is trusted still.
        const store = new TrustedStore({ replica: new Replica(db), pin: rootPinOf([root.rootKey.verifier.text], 1), feed: root.feed });
        const entries = [{ seq: 9, reportId: REPORT_A, decision: 'forwarded' as const }];
        store.acceptDecisionList(signed({ ...LIST, provider: 'other-host', issuedAt: NOW + 1, entries }, root.online['provider-list']), other, NOW + 1);
        expect(other.after(0, 10).map((d) => [d.seq, d.reportId])).toEqual([[9, REPORT_A]]);
        expect(new WebhookQueue(db).list().map((q) => [q.reportId, q.seq])).toEqual([[REPORT_A, 9]]);
        // A restart under the same provider keeps what it holds.
        expect(new DecisionBook(db, 'other-host').after(0, 10).map((d) => d.seq)).toEqual([9]);
      } finally {
        db.close();
      }
    });
  });

  describe('when one page carries a decision and a later hold on the same report', () => {
    it('takes both in order and holds the newest state', () => {
      const { store, book } = setup();
      const hold = { until: NOW + 86_400_000 };
      const list: DecisionList = { ...LIST, entries: [{ seq: 3, reportId: REPORT_A, decision: 'forwarded' }, { seq: 4, reportId: REPORT_A, decision: 'forwarded', hold }] };
      store.acceptDecisionList(signed(list, root.online['provider-list']), book, NOW);
      expect(book.after(0, 10)).toEqual([{ seq: 4, reportId: REPORT_A, decision: 'forwarded', hold, receivedAt: NOW }]);
      expect(book.cursor).toBe(4);
    });
  });

  describe('when the list must be refused', () => {
    const key = root.online['provider-list'];
    it.each<[string, (store: TrustedStore, book: DecisionBook) => unknown, string]>([
      ['another provider’s list', (s, b) => s.acceptDecisionList(signed({ ...LIST, provider: 'other-host' }, key), b, NOW), 'DECISIONS_WRONG_PROVIDER'],
      ['a list from the future', (s, b) => s.acceptDecisionList(signed({ ...LIST, issuedAt: NOW + 10 * MINUTE }, key), b, NOW), 'DECISIONS_FROM_FUTURE'],
      ['a list signed by the feed key', (s, b) => s.acceptDecisionList(signed(LIST, root.online.feed), b, NOW), 'DECISIONS_UNTRUSTED'],
      ['a list signed by a key the root does not list', (s, b) => s.acceptDecisionList(signed(LIST, generateSigningKey('hashfeed/test/provider-list')), b, NOW), 'DECISIONS_UNTRUSTED'],
      ['an order list where decisions were asked', (s, b) => s.acceptDecisionList(signed(LIST, key, 'hashfeed/orders/v1'), b, NOW), 'DECISIONS_UNTRUSTED'],
      ['bytes that are no envelope', (s, b) => s.acceptDecisionList(new Uint8Array([1, 2, 3]), b, NOW), 'DECISIONS_MALFORMED'],
      ['a list that skips entries', (s, b) => s.acceptDecisionList(signed({ ...LIST, since: 2, entries: [] }, key), b, NOW), 'DECISIONS_OUT_OF_SEQUENCE'],
    ])('refuses %s', (_name, act, code) => {
      const { store, book } = setup();
      expect(codeOf(() => act(store, book))).toBe(code);
      expect(book.cursor).toBe(0);
    });

    it('refuses a list issued before the one held (rollback) and one that replays what it holds', () => {
      const { store, book } = setup();
      store.acceptDecisionList(signed(LIST, key), book, NOW);
      expect(codeOf(() => store.acceptDecisionList(signed({ ...LIST, issuedAt: NOW - 1, since: 7, entries: [] }, key), book, NOW))).toBe('DECISIONS_ROLLBACK');
      expect(codeOf(() => store.acceptDecisionList(signed({ ...LIST, issuedAt: NOW + 1 }, key), book, NOW + 1))).toBe('DECISIONS_OUT_OF_SEQUENCE');
      expect(book.after(0, 10).map((d) => d.seq)).toEqual([3, 7]);
    });

    it('refuses any list before a root is trusted', () => {
      const db = openReplicaDatabase(':memory:');
      const store = new TrustedStore({ replica: new Replica(db), pin: rootPinOf([root.rootKey.verifier.text], 1), feed: 'test' });
      expect(codeOf(() => store.acceptDecisionList(signed(LIST, key), new DecisionBook(db, 'acme'), NOW))).toBe('DECISIONS_UNTRUSTED');
      db.close();
    });
  });
});
