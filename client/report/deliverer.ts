import { apiUrl, drain, errorCodeOf, retryAfterMs, type FetchLike, type FetchResponse } from '../net/http.ts';
import { clampTimerMs } from '../../shared/timer.ts';
import { DEFAULT_MAX_HINT_MS, longestRetryDelayMs, retryDelayMs, type BackoffPolicy } from '../net/backoff.ts';
import { WakeableSleep } from '../net/wakeable-sleep.ts';
import type { QueuedReport, ReportQueue } from './queue.ts';

/** The back-off of report delivery: the sidecar's one back-off rule (net/backoff.ts), with its own figures. */
export type DeliveryBackoff = BackoffPolicy;

export const DEFAULT_DELIVERY_BACKOFF: DeliveryBackoff = { baseMs: 2000, maxMs: 3_600_000, maxHintMs: DEFAULT_MAX_HINT_MS };

export type DeliveryOutcome = 'delivered' | 'duplicate' | 'retry' | 'failed';

/** One attempt, for logs and metrics: ids and codes only, never content. */
export interface DeliveryEvent {
  readonly reportId: string;
  readonly outcome: DeliveryOutcome;
  /** The Centre's error code, or NETWORK / HTTP_<status> when it gave none. */
  readonly code?: string;
  readonly status?: number;
}

export interface DeliveryRound {
  readonly delivered: number;
  readonly duplicates: number;
  readonly retried: number;
  readonly failed: number;
  /** The round stopped at a failure that concerns the Centre or the connection, not one report. */
  readonly stoppedEarly: boolean;
}

export interface ReportDelivererOptions {
  readonly queue: ReportQueue;
  /** The Centre's base URL. */
  readonly baseUrl: string;
  /** The provider account's bearer token. */
  readonly token: string;
  readonly fetch: FetchLike;
  readonly clock?: () => number;
  readonly random?: () => number;
  readonly backoff?: DeliveryBackoff;
  /** Retry-After is obeyed up to this (ms), and no longer: default 1 hour (overrides backoff.maxHintMs). */
  readonly maxRetryAfterMs?: number;
  readonly timeoutMs?: number;
  /** Reports sent per round. */
  readonly batchSize?: number;
  /** How long run() sleeps when nothing is due. */
  readonly idleMs?: number;
  /** Delivered reports older than this are pruned from the queue each round; unset keeps them. */
  readonly deliveredRetentionMs?: number;
  /**
   * Called (once per round) when the Centre does not know the key a report
   * is signed with (REPORT_UNKNOWN_KEY), typically to register it again; the
   * report is then resent once.
   */
  readonly onUnknownKey?: () => Promise<void>;
  readonly onEvent?: (event: DeliveryEvent) => void;
}

type Verdict =
  | { readonly kind: 'ack'; readonly duplicate: boolean; readonly status: number }
  | { readonly kind: 'retry'; readonly code: string; readonly status?: number; readonly retryAfterMs?: number | undefined }
  | { readonly kind: 'failed'; readonly code: string; readonly status: number }
  | { readonly kind: 'unknown-key'; readonly status: number }
  | { readonly kind: 'halted' };

const EMPTY_ROUND: DeliveryRound = { delivered: 0, duplicates: 0, retried: 0, failed: 0, stoppedEarly: false };

/**
 * Sends queued reports to POST /v1/reports until the Centre acknowledges
 * each (docs/SAFEGUARDS.md, "Delivery"):
 *  - 201, or 200 for a report it already holds: delivered (marked only now);
 *  - 408, 429, 5xx, no answer: retried with exponential back-off and full
 *    jitter, never sooner than Retry-After (obeyed up to maxRetryAfterMs,
 *    default 1 hour: net/backoff.ts); the round stops there, since the
 *    Centre or the path to it is unwell, and resumes after that delay;
 *  - 401, 403: the same (they concern the token, not the report);
 *  - REPORT_UNKNOWN_KEY: `onUnknownKey` (re-register), then one resend;
 *  - REPORT_KEY_PENDING: the key awaits an operator's approval: kept
 *    queued and retried with the same back-off, never failed;
 *  - any other 4xx: failed for good, with the Centre's code recorded.
 * The Centre is idempotent by reportId, so a resend after a lost answer
 * stores nothing twice.
 */
export class ReportDeliverer {
  /** Attempts by outcome since start (for /metrics). */
  readonly outcomes = new Map<DeliveryOutcome, number>([
    ['delivered', 0],
    ['duplicate', 0],
    ['retry', 0],
    ['failed', 0],
  ]);
  readonly #options: ReportDelivererOptions;
  readonly #clock: () => number;
  readonly #random: () => number;
  readonly #backoff: DeliveryBackoff;
  #pausedUntil = 0;
  #inFlight: Promise<DeliveryRound> | undefined;
  readonly #sleeper = new WakeableSleep();
  /** Aborted by halt(): cuts the attempt in flight, and no round starts another. */
  readonly #halt = new AbortController();

  constructor(options: ReportDelivererOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#random = options.random ?? Math.random;
    const backoff = options.backoff ?? DEFAULT_DELIVERY_BACKOFF;
    this.#backoff = { ...backoff, maxHintMs: options.maxRetryAfterMs ?? backoff.maxHintMs ?? DEFAULT_MAX_HINT_MS };
  }

  /** Until when rounds are skipped after the Centre looked unwell (ms; 0 when not paused). */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** Sends what is due now, once; concurrent calls share one round. */
  deliverDue(): Promise<DeliveryRound> {
    this.#inFlight ??= this.#round().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** Delivers in the background until `signal` aborts; wake() after queueing skips the wait. */
  async run(signal: AbortSignal): Promise<void> {
    const idleMs = this.#options.idleMs ?? 60_000;
    while (!signal.aborted) {
      let wait: number;
      try {
        await this.deliverDue();
        const next = Math.max(this.#options.queue.nextDueAt() ?? Number.POSITIVE_INFINITY, this.#pausedUntil);
        wait = Math.min(idleMs, Math.max(0, next - this.#clock()));
      } catch {
        // The queue's database failed; nothing was lost (rows change only on an answer). Try later.
        wait = idleMs;
      }
      await this.#sleeper.sleep(wait, signal);
    }
  }

  /**
   * For shutdown, once its deadline has passed: the attempt in flight is
   * abandoned and its report left exactly as it was (pending, no attempt
   * counted; the Centre is idempotent by reportId if it did store it), and no
   * further attempt starts. Final: a halted deliverer delivers nothing.
   */
  halt(): void {
    this.#halt.abort();
  }

  /** Ends run()'s current wait at once (call after queueing a report). */
  wake(): void {
    this.#sleeper.wake();
  }

  async #round(): Promise<DeliveryRound> {
    const { queue, deliveredRetentionMs } = this.#options;
    if (deliveredRetentionMs !== undefined) queue.pruneDelivered(this.#clock(), deliveredRetentionMs);
    // A pause or retry further ahead than any wait chosen here dates from before the clock stepped back: due now.
    const latestSane = this.#clock() + longestRetryDelayMs(this.#backoff);
    if (this.#pausedUntil > latestSane) this.#pausedUntil = 0;
    if (this.#clock() < this.#pausedUntil || this.#halt.signal.aborted) return EMPTY_ROUND;
    const counts = { delivered: 0, duplicates: 0, retried: 0, failed: 0, stoppedEarly: false };
    let reRegistered = false;
    for (const report of queue.due(this.#clock(), this.#options.batchSize ?? 100, latestSane)) {
      if (this.#halt.signal.aborted) return { ...counts, stoppedEarly: true };
      let verdict = await this.#send(report);
      if (verdict.kind === 'unknown-key' && this.#options.onUnknownKey !== undefined && !reRegistered) {
        reRegistered = true;
        try {
          await this.#options.onUnknownKey();
          verdict = await this.#send(report);
        } catch {
          verdict = { kind: 'retry', code: 'KEY_REGISTRATION_FAILED' };
        }
      }
      if (verdict.kind === 'unknown-key') verdict = { kind: 'retry', code: 'REPORT_UNKNOWN_KEY', status: verdict.status };
      if (verdict.kind === 'halted') return { ...counts, stoppedEarly: true };

      const now = this.#clock();
      switch (verdict.kind) {
        case 'ack':
          queue.markDelivered(report.reportId, now);
          if (verdict.duplicate) counts.duplicates++;
          else counts.delivered++;
          this.#emit({ reportId: report.reportId, outcome: verdict.duplicate ? 'duplicate' : 'delivered', status: verdict.status });
          break;
        case 'failed':
          queue.markFailed(report.reportId, verdict.code, now);
          counts.failed++;
          this.#emit({ reportId: report.reportId, outcome: 'failed', code: verdict.code, status: verdict.status });
          break;
        case 'retry': {
          // Persisted and obeyed: bounded by the back-off rule, so a hostile Retry-After cannot pause delivery for years.
          const next = now + retryDelayMs(this.#backoff, report.attempts + 1, verdict.retryAfterMs, this.#random);
          queue.markRetry(report.reportId, next, verdict.code);
          this.#pausedUntil = next;
          counts.retried++;
          this.#emit({ reportId: report.reportId, outcome: 'retry', code: verdict.code, ...(verdict.status === undefined ? {} : { status: verdict.status }) });
          return { ...counts, stoppedEarly: true };
        }
      }
    }
    return counts;
  }

  async #send(report: QueuedReport): Promise<Verdict> {
    const { fetch, baseUrl, token } = this.#options;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), clampTimerMs(this.#options.timeoutMs ?? 30_000));
    const halted = (): void => controller.abort();
    this.#halt.signal.addEventListener('abort', halted, { once: true });
    try {
      let res: FetchResponse;
      try {
        res = await fetch(apiUrl(baseUrl, '/v1/reports'), {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/msgpack' },
          body: Uint8Array.from(report.envelope),
          signal: controller.signal,
        });
      } catch {
        return this.#halt.signal.aborted ? { kind: 'halted' } : { kind: 'retry', code: 'NETWORK' };
      }
      const { status } = res;
      if (status === 200 || status === 201) {
        await drain(res);
        return { kind: 'ack', duplicate: status === 200, status };
      }
      const code = await errorCodeOf(res);
      // Not about this report: the Centre accepts it once an operator approves the key.
      if (code === 'REPORT_KEY_PENDING') return { kind: 'retry', code, status, retryAfterMs: retryAfterMs(res.headers.get('retry-after'), this.#clock()) };
      if (status === 408 || status === 429 || status >= 500 || status === 401 || status === 403 || status < 400) {
        return { kind: 'retry', code: code ?? `HTTP_${status}`, status, retryAfterMs: retryAfterMs(res.headers.get('retry-after'), this.#clock()) };
      }
      if (code === 'REPORT_UNKNOWN_KEY') return { kind: 'unknown-key', status };
      return { kind: 'failed', code: code ?? `HTTP_${status}`, status };
    } finally {
      clearTimeout(timer);
      this.#halt.signal.removeEventListener('abort', halted);
    }
  }

  #emit(event: DeliveryEvent): void {
    this.outcomes.set(event.outcome, (this.outcomes.get(event.outcome) ?? 0) + 1);
    this.#options.onEvent?.(event);
  }
}
