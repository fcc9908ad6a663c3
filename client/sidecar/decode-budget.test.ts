import { describe, expect, it } from 'vitest';
import { codeOfAsync } from '../../shared/testing/code-of.ts';
import { DecodeBudget, DecodeBudgetError } from './decode-budget.ts';

const budget = (pixels: number, queueLength = 0, queueWaitMs = 60_000): DecodeBudget => new DecodeBudget({ pixels, queueLength, queueWaitMs, retryAfterSeconds: 2 });

describe('decode budget', () => {
  describe('when there is room', () => {
    it('grants at once and takes the pixels until released', async () => {
      const pool = budget(100);
      const release = await pool.acquire(60);
      expect(pool.inUse).toBe(60);
      release();
      release(); // idempotent: a second release must not give back pixels twice
      expect(pool.inUse).toBe(0);
    });

    it('treats a weight of zero (bytes with no readable size) as free', async () => {
      const pool = budget(10);
      (await pool.acquire(0))();
      expect(pool.inUse).toBe(0);
    });
  });

  describe('when it is exhausted and there is no wait queue', () => {
    it('refuses with OVERLOADED, 503 and a Retry-After', async () => {
      const pool = budget(100);
      await pool.acquire(60);
      const err = await pool.acquire(50).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DecodeBudgetError);
      expect(err).toMatchObject({ code: 'OVERLOADED', status: 503, retryAfterSeconds: 2 });
      expect(pool.inUse).toBe(60);
    });
  });

  describe('when one image is larger than the whole budget', () => {
    it('refuses it with IMAGE_OVER_BUDGET (413), even with nothing else running', async () => {
      const err = await budget(100, 4).acquire(101).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'IMAGE_OVER_BUDGET', status: 413 });
    });
  });

  describe('with a bounded wait queue', () => {
    it('grants waiters in arrival order as pixels come back', async () => {
      const pool = budget(100, 2);
      const first = await pool.acquire(100);
      const granted: string[] = [];
      const big = pool.acquire(80).then((r) => (granted.push('big'), r));
      const small = pool.acquire(10).then((r) => (granted.push('small'), r));
      expect(pool.waiting).toBe(2);
      first();
      (await big)();
      (await small)();
      // First in, first out: the small one does not overtake the large one and starve it.
      expect(granted).toEqual(['big', 'small']);
      expect(pool.inUse).toBe(0);
    });

    it('refuses with OVERLOADED once the queue is full', async () => {
      const pool = budget(100, 1);
      const first = await pool.acquire(100);
      const queued = pool.acquire(10);
      expect(await codeOfAsync(pool.acquire(10))).toBe('OVERLOADED');
      first();
      (await queued)();
      expect(pool.inUse).toBe(0);
    });

    it('gives up on a waiter after the wait limit with OVERLOADED', async () => {
      const pool = budget(100, 4, 20);
      const first = await pool.acquire(100);
      expect(await codeOfAsync(pool.acquire(10))).toBe('OVERLOADED');
      expect(pool.waiting).toBe(0);
      first();
      expect(pool.inUse).toBe(0);
    });

    it('drops a waiter whose request was aborted, as OVERLOADED (an answer, not a failure to log)', async () => {
      const pool = budget(100, 4);
      const first = await pool.acquire(100);
      const controller = new AbortController();
      const waiting = pool.acquire(10, controller.signal).catch((e: unknown) => e);
      const reason = new Error('client went away');
      controller.abort(reason);
      expect(await waiting).toMatchObject({ code: 'OVERLOADED', cause: reason });
      expect(pool.waiting).toBe(0);
      first();
      expect(pool.inUse).toBe(0);
    });

    it('refuses an already aborted request without taking pixels', async () => {
      const controller = new AbortController();
      controller.abort(new Error('gone'));
      const pool = budget(100);
      expect(await codeOfAsync(pool.acquire(10, controller.signal))).toBe('OVERLOADED');
      expect(pool.inUse).toBe(0);
    });
  });

  describe('running a task', () => {
    it('releases the pixels when the task fails', async () => {
      const pool = budget(100);
      await expect(pool.run(70, async () => Promise.reject(new Error('corrupt')))).rejects.toThrow('corrupt');
      expect(pool.inUse).toBe(0);
      expect(await pool.run(100, async () => 'decoded')).toBe('decoded');
      expect(pool.inUse).toBe(0);
    });
  });

  describe('configuration', () => {
    it.each([
      ['a zero budget', { pixels: 0, queueLength: 0, queueWaitMs: 0, retryAfterSeconds: 1 }],
      ['a fractional budget', { pixels: 1.5, queueLength: 0, queueWaitMs: 0, retryAfterSeconds: 1 }],
      ['a negative queue', { pixels: 1, queueLength: -1, queueWaitMs: 0, retryAfterSeconds: 1 }],
      ['a zero Retry-After', { pixels: 1, queueLength: 0, queueWaitMs: 0, retryAfterSeconds: 0 }],
    ])('refuses %s', (_name, options) => {
      expect(() => new DecodeBudget(options)).toThrow(RangeError);
    });
  });
});
