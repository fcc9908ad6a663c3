import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openReplicaDatabase } from '../replica/database.ts';
import { ReportQueue } from './queue.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';

const dirs = tempDirs();
afterEach(() => dirs.removeAll());

const T0 = 1_800_000_000_000;
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('report queue', () => {
  const fresh = (): ReportQueue => new ReportQueue(openReplicaDatabase(':memory:'));

  describe('when a report is queued', () => {
    it('is due at once, oldest first', () => {
      const queue = fresh();
      queue.enqueue('a', bytes(1), T0);
      queue.enqueue('b', bytes(2), T0 + 1);
      expect(queue.due(T0 + 1, 10).map((r) => [r.reportId, [...r.envelope]])).toEqual([
        ['a', [1]],
        ['b', [2]],
      ]);
      expect(queue.due(T0, 10).map((r) => r.reportId)).toEqual(['a']);
      expect(queue.counts()).toEqual({ pending: 2, delivered: 0, failed: 0 });
    });

    it('ignores the same report queued twice', () => {
      const queue = fresh();
      expect(queue.enqueue('a', bytes(1), T0)).toBe(true);
      expect(queue.enqueue('a', bytes(1), T0)).toBe(false);
      expect(queue.counts().pending).toBe(1);
    });

    it('refuses other bytes under a queued reportId', () => {
      const queue = fresh();
      queue.enqueue('a', bytes(1), T0);
      expect(() => queue.enqueue('a', bytes(2), T0)).toThrow(expect.objectContaining({ code: 'REPORT_QUEUE_CONFLICT' }));
    });
  });

  describe('when the Centre acknowledges a report', () => {
    it('marks it delivered and drops its envelope', () => {
      const queue = fresh();
      queue.enqueue('a', bytes(1), T0);
      queue.markDelivered('a', T0 + 5);
      expect(queue.due(T0 + 10, 10)).toEqual([]);
      expect(queue.entry('a')).toMatchObject({ state: 'delivered', attempts: 1, deliveredAt: T0 + 5 });
      expect(queue.enqueue('a', bytes(1), T0 + 6)).toBe(false);
      expect(queue.nextDueAt()).toBeUndefined();
    });
  });

  describe('when a delivery is to be retried', () => {
    it('keeps it pending until its next attempt, with the error', () => {
      const queue = fresh();
      queue.enqueue('a', bytes(1), T0);
      queue.markRetry('a', T0 + 1000, 'NETWORK');
      expect(queue.due(T0 + 999, 10)).toEqual([]);
      expect(queue.nextDueAt()).toBe(T0 + 1000);
      expect(queue.due(T0 + 1000, 10)[0]).toMatchObject({ reportId: 'a', attempts: 1 });
      expect(queue.entry('a')).toMatchObject({ state: 'pending', lastError: 'NETWORK' });
    });
  });

  describe('when the Centre refuses a report for good', () => {
    it('keeps it, failed, with the code, until requeued', () => {
      const queue = fresh();
      queue.enqueue('a', bytes(1), T0);
      queue.markFailed('a', 'REPORT_UNKNOWN_ORDER', T0 + 1);
      expect(queue.due(T0 + 10, 10)).toEqual([]);
      expect(queue.entry('a')).toMatchObject({ state: 'failed', lastError: 'REPORT_UNKNOWN_ORDER', failedAt: T0 + 1 });
      expect(queue.requeueFailed(T0 + 20)).toBe(1);
      expect(queue.due(T0 + 20, 10).map((r) => [...r.envelope])).toEqual([[1]]);
    });
  });

  describe('across a restart', () => {
    it('keeps every pending report', () => {
      const path = join(dirs.make('hf-queue-'), 'replica.db');
      const db = openReplicaDatabase(path);
      const queue = new ReportQueue(db);
      queue.enqueue('a', bytes(1), T0);
      queue.enqueue('b', bytes(2), T0);
      queue.markDelivered('a', T0);
      db.close();
      expect(new ReportQueue(openReplicaDatabase(path)).due(T0, 10).map((r) => r.reportId)).toEqual(['b']);
    });
  });
  describe('when delivered reports are older than the retention period', () => {
    it('deletes them, and keeps recent deliveries, pending and failed reports', () => {
      const queue = fresh();
      const DAY = 86_400_000;
      for (const id of ['old', 'recent', 'waiting', 'refused']) queue.enqueue(id, bytes(1), T0);
      queue.markDelivered('old', T0);
      queue.markDelivered('recent', T0 + 20 * DAY);
      queue.markFailed('refused', 'REPORT_UNKNOWN_ORDER', T0);
      expect(queue.pruneDelivered(T0 + 30 * DAY + 1, 30 * DAY)).toBe(1);
      expect(queue.entry('old')).toBeUndefined();
      expect(queue.entry('recent')?.state).toBe('delivered');
      expect(queue.entry('waiting')?.state).toBe('pending');
      expect(queue.entry('refused')?.state).toBe('failed');
      expect(queue.counts()).toEqual({ pending: 1, delivered: 1, failed: 1 });
    });
  });

  describe('when a delivered report is dropped', () => {
    it('leaves none of its bytes in the database file (deleted pages are zeroed, not just freed)', () => {
      const path = join(dirs.make('hf-queue-'), 'replica.db');
      const db = openReplicaDatabase(path);
      const queue = new ReportQueue(db);
      // Large enough to spill onto overflow pages, as a report with its preview does.
      const envelope = new TextEncoder().encode('subject=user:a-synthetic-subject;order=ORDER-1;'.repeat(100));
      queue.enqueue('a', envelope, T0);
      queue.markDelivered('a', T0);
      queue.pruneDelivered(T0 + 2, 1);
      db.close();
      expect(readFileSync(path).includes(Buffer.from('user:a-synthetic-subject'))).toBe(false);
    });
  });
});
