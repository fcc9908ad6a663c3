import { createHmac } from 'node:crypto';
import { clampTimerMs } from '../../shared/timer.ts';
import { decisionEntryFields } from '../../shared/wire/decision-list.ts';
import { longestRetryDelayMs, retryDelayMs, type BackoffPolicy } from '../net/backoff.ts';
import { WakeableSleep } from '../net/wakeable-sleep.ts';
import { drain, retryAfterMs, type FetchLike } from '../net/http.ts';
import type { DecisionBook } from './decision-book.ts';
import type { WebhookQueue } from './webhook-queue.ts';

/** Config `decisionWebhook` (docs/SIDECAR.md, "Decisions"): where to POST, and how the platform knows it is this sidecar. */
export interface DecisionWebhookConfig {
  readonly url: string;
  /** HMAC-SHA256 key: each call carries `hashfeed-signature: t=<ms>,v1=<hex of HMAC(secret, t + "." + body)>`. */
  readonly secret?: string;
  /** Or a bearer token the platform issued: each call carries `authorization: Bearer <token>`. */
  readonly bearerToken?: string;
}

export interface DecisionWebhookOptions {
  readonly config: DecisionWebhookConfig;
  readonly book: DecisionBook;
  readonly queue: WebhookQueue;
  readonly fetch: FetchLike;
  readonly clock: () => number;
  /** Retries back off from baseMs (doubling, full jitter) up to maxMs; default 5 s to 1 h. */
  readonly backoff?: BackoffPolicy;
  readonly timeoutMs?: number;
  readonly random?: () => number;
  readonly onEvent?: (event: { readonly reportId: string; readonly outcome: 'delivered' | 'retry'; readonly error?: string }) => void;
}

const BATCH = 100;
const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5000, maxMs: 3_600_000 };

/**
 * Delivers decisions to the provider's platform, one POST per report, in
 * the background: scanning never waits for it (it only shares the event
 * loop with a few small requests). The body is the report's newest state;
 * `hashfeed-delivery-id` is `<reportId>:<seq>`, the same on every retry of
 * that state, so the platform is idempotent by report (keep the highest
 * seq) or by delivery id. A 2xx answer delivers; anything else (or no
 * answer within timeoutMs) is retried with back-off, honouring Retry-After,
 * for as long as it takes: the queue is in the replica and survives restarts.
 */
export class DecisionWebhook {
  readonly #options: DecisionWebhookOptions;
  readonly #backoff: BackoffPolicy;
  readonly #sleeper = new WakeableSleep();

  constructor(options: DecisionWebhookOptions) {
    this.#options = options;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /** One round: every delivery due now; how many were delivered. */
  async deliverDue(signal?: AbortSignal): Promise<number> {
    const { queue, book, clock } = this.#options;
    let delivered = 0;
    for (const item of queue.due(clock(), longestRetryDelayMs(this.#backoff), BATCH)) {
      if (signal?.aborted) break;
      const state = book.of(item.reportId);
      // A row is never skipped and left: it would stay due for ever (the run loop spinning, and a batch of such rows
      // starving every other delivery). Nothing held: the row goes. The book may hold a newer state than the row
      // (taken while the webhook was switched off): the newest is what the platform needs, so that is sent.
      if (state === undefined) {
        queue.delivered(item.reportId, item.seq);
        continue;
      }
      const error = await this.#post(JSON.stringify(decisionEntryFields(state)), `${item.reportId}:${state.seq}`, signal);
      const now = clock();
      if (error === null) {
        queue.delivered(item.reportId, item.seq);
        delivered++;
        this.#options.onEvent?.({ reportId: item.reportId, outcome: 'delivered' });
      } else {
        queue.retry(item.reportId, item.seq, now + retryDelayMs(this.#backoff, item.attempts + 1, error.retryAfterMs, this.#options.random), error.code);
        this.#options.onEvent?.({ reportId: item.reportId, outcome: 'retry', error: error.code });
      }
    }
    return delivered;
  }

  /** Delivers in the background until `signal` aborts; wake() after new decisions skips the wait. */
  async run(signal: AbortSignal, idleMs = 60_000): Promise<void> {
    while (!signal.aborted) {
      let wait = idleMs;
      try {
        await this.deliverDue(signal);
        const next = this.#options.queue.nextDueAt();
        if (next !== undefined) wait = Math.min(idleMs, Math.max(0, next - this.#options.clock()));
      } catch {
        // The replica failed to answer; nothing changed (rows change only on an answer). Try later.
      }
      await this.#sleeper.sleep(wait, signal);
    }
  }

  wake(): void {
    this.#sleeper.wake();
  }

  async #post(body: string, deliveryId: string, signal: AbortSignal | undefined): Promise<{ code: string; retryAfterMs?: number | undefined } | null> {
    const { config, fetch, clock } = this.#options;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'hashfeed-delivery-id': deliveryId };
    if (config.secret !== undefined) {
      const at = clock();
      headers['hashfeed-signature'] = `t=${at},v1=${createHmac('sha256', config.secret).update(`${at}.${body}`).digest('hex')}`;
    }
    if (config.bearerToken !== undefined) headers.authorization = `Bearer ${config.bearerToken}`;
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    signal?.addEventListener('abort', abort, { once: true });
    const timer = setTimeout(abort, clampTimerMs(this.#options.timeoutMs ?? 10_000));
    try {
      // Never followed: a 301/302 turns the POST into a body-less GET whose 2xx would drop the decision, and a
      // redirect would carry the signed body and its headers to wherever the Location points.
      const res = await fetch(config.url, { method: 'POST', headers, body, signal: controller.signal, redirect: 'manual' });
      await drain(res);
      if (res.status >= 200 && res.status < 300) return null;
      return { code: `HTTP_${res.status}`, retryAfterMs: retryAfterMs(res.headers.get('retry-after'), clock()) };
    } catch {
      return { code: 'NETWORK' };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    }
  }
}
