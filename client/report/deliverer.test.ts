import { afterEach, describe, expect, it } from 'vitest';
import type { FetchInit, FetchLike, FetchResponse } from '../net/http.ts';
import { openReplicaDatabase } from '../replica/database.ts';
import { platformFetch, startRetryAfterServer, type RetryAfterServer } from '../net/testing/retry-after-server.ts';
import { ReportDeliverer, type ReportDelivererOptions } from './deliverer.ts';
import { ReportQueue } from './queue.ts';

const T0 = 1_800_000_000_000;

type Answer = { status: number; json?: unknown; headers?: Record<string, string> } | Error;

/** The Centre's side of the edge, scripted: each call takes the next answer (the last one repeats). */
function scripted(...answers: Answer[]): FetchLike & { calls: { url: string; init: FetchInit }[] } {
  const calls: { url: string; init: FetchInit }[] = [];
  const fn = async (url: string, init: FetchInit): Promise<FetchResponse> => {
    calls.push({ url, init });
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    if (answer === undefined) throw new Error('no answer scripted');
    if (answer instanceof Error) throw answer;
    return respond(answer.status, answer.json, answer.headers);
  };
  return Object.assign(fn, { calls });
}

function respond(status: number, json: unknown, headers: Record<string, string> = {}): FetchResponse {
  const body = json === undefined ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(json));
  return {
    status,
    headers: { get: (name) => headers[name.toLowerCase()] ?? null },
    body: (async function* () {
      yield body;
    })(),
  };
}

const error = (status: number, code: string): Answer => ({ status, json: { error: { code, message: '...' } } });

function setup(fetch: FetchLike, overrides: Partial<ReportDelivererOptions> = {}) {
  const queue = new ReportQueue(openReplicaDatabase(':memory:'));
  const clock = { now: T0 };
  const deliverer = new ReportDeliverer({ queue, baseUrl: 'https://centre.example', token: 'hf_p', fetch, clock: () => clock.now, random: () => 0.5, ...overrides });
  return { queue, clock, deliverer };
}

describe('report deliverer', () => {
  describe('when the Centre accepts a report', () => {
    it('posts the signed envelope as msgpack with the provider token and marks it delivered', async () => {
      const fetch = scripted({ status: 201, json: { reportId: 'a', duplicate: false } });
      const { queue, deliverer } = setup(fetch);
      queue.enqueue('a', Uint8Array.from([9, 8, 7]), T0);
      expect(await deliverer.deliverDue()).toEqual({ delivered: 1, duplicates: 0, retried: 0, failed: 0, stoppedEarly: false });
      expect(fetch.calls[0]?.url).toBe('https://centre.example/v1/reports');
      expect(fetch.calls[0]?.init).toMatchObject({ method: 'POST', headers: { authorization: 'Bearer hf_p', 'content-type': 'application/msgpack' } });
      expect([...(fetch.calls[0]?.init.body instanceof Uint8Array ? fetch.calls[0].init.body : [])]).toEqual([9, 8, 7]);
      expect(queue.entry('a')?.state).toBe('delivered');
    });

    it('counts a 200 (already held) as delivered, a duplicate', async () => {
      const { queue, deliverer } = setup(scripted({ status: 200, json: { reportId: 'a', duplicate: true } }));
      queue.enqueue('a', Uint8Array.from([1]), T0);
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 0, duplicates: 1 });
      expect(queue.entry('a')?.state).toBe('delivered');
      expect(deliverer.outcomes.get('duplicate')).toBe(1);
    });
  });

  describe('when an attempt fails', () => {
    it.each([
      ['408', { status: 408 }, 'pending', 'HTTP_408'],
      ['429', error(429, 'RATE_LIMITED'), 'pending', 'RATE_LIMITED'],
      ['500', error(500, 'INTERNAL'), 'pending', 'INTERNAL'],
      ['503 without a body', { status: 503 }, 'pending', 'HTTP_503'],
      ['401 (the token, not the report)', error(401, 'AUTH_INVALID'), 'pending', 'AUTH_INVALID'],
      ['403 (the token, not the report)', error(403, 'AUTH_FORBIDDEN'), 'pending', 'AUTH_FORBIDDEN'],
      ['no answer at all', new Error('ECONNREFUSED'), 'pending', 'NETWORK'],
      ['400 with a wire error', error(400, 'WIRE_BAD_FIELD'), 'failed', 'WIRE_BAD_FIELD'],
      ['400 for an unknown order', error(400, 'REPORT_UNKNOWN_ORDER'), 'failed', 'REPORT_UNKNOWN_ORDER'],
      ['400 for a report outside its order', error(400, 'REPORT_ORDER_ENDED'), 'failed', 'REPORT_ORDER_ENDED'],
      ['400 for a revoked indicator', error(400, 'REPORT_INDICATOR_REVOKED'), 'failed', 'REPORT_INDICATOR_REVOKED'],
      ['400 for a detection time out of range', error(400, 'REPORT_TIME_INVALID'), 'failed', 'REPORT_TIME_INVALID'],
      ['409 (other content under this id)', error(409, 'CONFLICT'), 'failed', 'CONFLICT'],
      ['413 without a body', { status: 413 }, 'failed', 'HTTP_413'],
      ['415', error(415, 'BAD_REQUEST'), 'failed', 'BAD_REQUEST'],
    ])('after %s the report is %s with %s', async (_name, answer, state, code) => {
      const { queue, deliverer } = setup(scripted(answer));
      queue.enqueue('a', Uint8Array.from([1]), T0);
      await deliverer.deliverDue();
      expect(queue.entry('a')).toMatchObject({ state, lastError: code, attempts: 1 });
    });

    it('stops the round at a transient failure and leaves the rest untouched', async () => {
      const fetch = scripted(error(503, 'INTERNAL'));
      const { queue, deliverer } = setup(fetch);
      for (const id of ['a', 'b', 'c']) queue.enqueue(id, Uint8Array.from([1]), T0);
      expect(await deliverer.deliverDue()).toMatchObject({ retried: 1, stoppedEarly: true });
      expect(fetch.calls).toHaveLength(1);
      expect(queue.entry('b')).toMatchObject({ state: 'pending', attempts: 0 });
    });

    it('goes on after a permanent failure of one report', async () => {
      const { queue, deliverer } = setup(scripted(error(400, 'REPORT_WRONG_PROVIDER'), { status: 201 }));
      for (const id of ['a', 'b']) queue.enqueue(id, Uint8Array.from([1]), T0);
      expect(await deliverer.deliverDue()).toMatchObject({ failed: 1, delivered: 1, stoppedEarly: false });
    });
  });

  describe('when retrying', () => {
    it('waits at least the Retry-After, and skips rounds until then', async () => {
      const fetch = scripted({ status: 503, headers: { 'retry-after': '120' } }, { status: 201 });
      const { queue, clock, deliverer } = setup(fetch, { random: () => 0 });
      queue.enqueue('a', Uint8Array.from([1]), T0);
      await deliverer.deliverDue();
      expect(queue.entry('a')?.nextAttemptAt).toBe(T0 + 120_000);
      clock.now = T0 + 119_999;
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 0, retried: 0 });
      expect(fetch.calls).toHaveLength(1);
      clock.now = T0 + 120_000;
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 1 });
    });

    it('backs off exponentially with jitter, up to the cap', async () => {
      const { queue, clock, deliverer } = setup(scripted(new Error('down')), { random: () => 0.999, backoff: { baseMs: 1000, maxMs: 10_000 } });
      queue.enqueue('a', Uint8Array.from([1]), T0);
      const delays: number[] = [];
      for (let i = 0; i < 6; i++) {
        await deliverer.deliverDue();
        const next = queue.entry('a')?.nextAttemptAt ?? 0;
        delays.push(next - clock.now);
        clock.now = next;
      }
      expect(delays).toEqual([999, 1998, 3996, 7992, 9990, 9990]);
    });
  });

  describe('when the clock steps back after a retry was scheduled', () => {
    it('sends the report at once rather than waiting out the step', async () => {
      // A retry scheduled while the clock ran a year ahead; then NTP sets it right.
      const fetch = scripted(new Error('down'), { status: 201 });
      const { queue, clock, deliverer } = setup(fetch, { backoff: { baseMs: 1000, maxMs: 10_000 } });
      clock.now = T0 + 365 * 86_400_000;
      queue.enqueue('a', Uint8Array.from([1]), clock.now);
      await deliverer.deliverDue();
      expect(queue.entry('a')).toMatchObject({ state: 'pending', attempts: 1 });
      clock.now = T0;
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 1 });
      expect(queue.entry('a')?.state).toBe('delivered');
    });

    it('still waits a retry scheduled within the longest wait it could have chosen', async () => {
      const fetch = scripted({ status: 503, headers: { 'retry-after': '3000' } }, { status: 201 });
      const { queue, clock, deliverer } = setup(fetch, { backoff: { baseMs: 1000, maxMs: 10_000 }, maxRetryAfterMs: 3_600_000 });
      queue.enqueue('a', Uint8Array.from([1]), T0);
      await deliverer.deliverDue();
      clock.now = T0 - 60_000;
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 0 });
      expect(fetch.calls).toHaveLength(1);
    });
  });

  describe('when a server asks to wait longer than the cap', () => {
    let server: RetryAfterServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it.each([
      ['10^10 seconds', '10000000000'],
      ['just under what the old parser took (31 years)', '999999999'],
      ['an HTTP date in 2100', 'Fri, 01 Jan 2100 00:00:00 GMT'],
    ])('waits the cap (%s), persists nothing beyond it, and sends nothing meanwhile', async (_name, retryAfter) => {
      server = await startRetryAfterServer(503, retryAfter);
      const { queue, deliverer } = setup(platformFetch, { baseUrl: server.url, idleMs: 5, maxRetryAfterMs: 3_600_000 });
      queue.enqueue('a', Uint8Array.from([1]), T0);
      const controller = new AbortController();
      const running = deliverer.run(controller.signal);
      try {
        for (let i = 0; i < 200 && queue.entry('a')?.attempts === 0; i++) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        controller.abort();
        await running;
      }
      expect(server.requests).toBe(1);
      expect(queue.entry('a')).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: T0 + 3_600_000 });
      expect(deliverer.pausedUntil).toBe(T0 + 3_600_000);
    });
  });

  describe('when the Centre does not know the signing key', () => {
    it('re-registers through the hook and resends once', async () => {
      let registered = 0;
      const { queue, deliverer } = setup(scripted(error(400, 'REPORT_UNKNOWN_KEY'), { status: 201 }), {
        onUnknownKey: async () => {
          registered++;
        },
      });
      queue.enqueue('a', Uint8Array.from([1]), T0);
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 1 });
      expect(registered).toBe(1);
    });

    it('keeps the report pending without a hook', async () => {
      const { queue, deliverer } = setup(scripted(error(400, 'REPORT_UNKNOWN_KEY')));
      queue.enqueue('a', Uint8Array.from([1]), T0);
      await deliverer.deliverDue();
      expect(queue.entry('a')).toMatchObject({ state: 'pending', lastError: 'REPORT_UNKNOWN_KEY' });
    });
  });

  describe('when delivered reports pass the retention period', () => {
    it('prunes them in its rounds', async () => {
      const { queue, clock, deliverer } = setup(scripted({ status: 201 }), { deliveredRetentionMs: 1000 });
      queue.enqueue('a', Uint8Array.from([1]), T0);
      await deliverer.deliverDue();
      expect(queue.entry('a')?.state).toBe('delivered');
      clock.now = T0 + 1001;
      await deliverer.deliverDue();
      expect(queue.entry('a')).toBeUndefined();
    });
  });

  describe('when the signing key awaits an operator\'s approval', () => {
    it('keeps the report queued without re-registering, then delivers it once the key is approved', async () => {
      let registered = 0;
      const { queue, clock, deliverer } = setup(scripted(error(403, 'REPORT_KEY_PENDING'), { status: 201 }), {
        onUnknownKey: async () => {
          registered++;
        },
      });
      queue.enqueue('a', Uint8Array.from([1]), T0);
      expect(await deliverer.deliverDue()).toMatchObject({ retried: 1, failed: 0, stoppedEarly: true });
      expect(queue.entry('a')).toMatchObject({ state: 'pending', lastError: 'REPORT_KEY_PENDING' });
      expect(registered).toBe(0);
      clock.now = deliverer.pausedUntil;
      expect(await deliverer.deliverDue()).toMatchObject({ delivered: 1 });
    });
  });

  describe('when an answer is lost after the Centre stored the report', () => {
    it('resends, and the Centre answers it as a duplicate', async () => {
      const stored = new Set<string>();
      const fetch: FetchLike = async (_url, init) => {
        const id = String(init.body instanceof Uint8Array ? init.body[0] : '');
        const duplicate = stored.has(id);
        stored.add(id);
        if (!duplicate && stored.size === 1) throw new Error('connection reset after the request was sent');
        return respond(duplicate ? 200 : 201, { reportId: id, duplicate });
      };
      const { queue, clock, deliverer } = setup(fetch);
      queue.enqueue('a', Uint8Array.from([1]), T0);
      await deliverer.deliverDue();
      expect(queue.entry('a')?.state).toBe('pending');
      clock.now = deliverer.pausedUntil;
      expect(await deliverer.deliverDue()).toMatchObject({ duplicates: 1 });
      expect(stored.size).toBe(1);
      expect(queue.entry('a')?.state).toBe('delivered');
    });
  });

  describe('when halted at the shutdown deadline', () => {
    it('abandons the attempt in flight, leaves its report pending and untouched, and starts no other', async () => {
      let called!: () => void;
      const sending = new Promise<void>((resolve) => (called = resolve));
      const calls: string[] = [];
      // A Centre that never answers: the attempt ends only when its signal aborts.
      const fetch: FetchLike = (url, init) => {
        calls.push(url);
        called();
        return new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
      };
      const { queue, deliverer } = setup(fetch);
      queue.enqueue('a', Uint8Array.from([1]), T0);
      queue.enqueue('b', Uint8Array.from([2]), T0);
      const round = deliverer.deliverDue();
      await sending;
      deliverer.halt();
      expect(await round).toEqual({ delivered: 0, duplicates: 0, retried: 0, failed: 0, stoppedEarly: true });
      expect(calls).toHaveLength(1);
      expect(queue.entry('a')).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: T0 });
      expect(queue.entry('b')).toMatchObject({ state: 'pending', attempts: 0 });
      expect(await deliverer.deliverDue()).toEqual({ delivered: 0, duplicates: 0, retried: 0, failed: 0, stoppedEarly: false });
      expect(calls).toHaveLength(1);
    });
  });

  describe('running in the background', () => {
    it('delivers what is queued once woken, and stops when aborted', async () => {
      const fetch = scripted({ status: 201 });
      const { queue, deliverer } = setup(fetch, { clock: Date.now, idleMs: 60_000 });
      const controller = new AbortController();
      const running = deliverer.run(controller.signal);
      await new Promise((r) => setTimeout(r, 20));
      queue.enqueue('a', Uint8Array.from([1]), Date.now());
      deliverer.wake();
      for (let i = 0; i < 100 && queue.entry('a')?.state !== 'delivered'; i++) await new Promise((r) => setTimeout(r, 10));
      expect(queue.entry('a')?.state).toBe('delivered');
      controller.abort();
      await running;
    });
  });
});
