import { DEFAULT_MAX_HINT_MS, intervalDelayMs, retryDelayMs, type BackoffPolicy } from '../net/backoff.ts';
import { clampTimerMs } from '../../shared/timer.ts';
import { SyncError } from './errors.ts';
import type { SyncOutcome } from './syncer.ts';

/** The regular interval after success, and the back-off after failures (ms). */
export interface SyncSchedule extends BackoffPolicy {
  readonly intervalMs: number;
}

export const DEFAULT_SYNC_SCHEDULE: SyncSchedule = { intervalMs: 60_000, baseMs: 2000, maxMs: 3_600_000, maxHintMs: DEFAULT_MAX_HINT_MS };

/** Anything that runs one sync round (the Syncer, or a sidecar's round that also refreshes orders). */
export interface SyncRound {
  syncOnce(): Promise<SyncOutcome>;
}

export interface SyncLoopEvents {
  readonly onSuccess?: (outcome: SyncOutcome) => void;
  readonly onError?: (err: unknown, consecutiveFailures: number, retryInSeconds: number) => void;
}

/**
 * Runs sync rounds forever: the regular interval after success (never
 * sooner than the Centre's wait hint), exponential back-off with jitter
 * after failures (never sooner than Retry-After); a hint is obeyed up to
 * the schedule's maxHintMs only (net/backoff.ts). One round at a time.
 */
export class SyncLoop {
  readonly #syncer: SyncRound;
  readonly #policy: SyncSchedule;
  readonly #events: SyncLoopEvents;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #failures = 0;
  #stopped = true;

  constructor(syncer: SyncRound, policy: SyncSchedule = DEFAULT_SYNC_SCHEDULE, events: SyncLoopEvents = {}) {
    this.#syncer = syncer;
    this.#policy = policy;
    this.#events = events;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** One round now (also used by tests and `--once`); errors propagate after being counted. */
  async runOnce(): Promise<SyncOutcome> {
    try {
      const outcome = await this.#syncer.syncOnce();
      this.#failures = 0;
      this.#events.onSuccess?.(outcome);
      return outcome;
    } catch (err) {
      this.#failures++;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#round();
    }, clampTimerMs(delayMs));
    this.#timer.unref();
  }

  async #round(): Promise<void> {
    let delay: number;
    try {
      const outcome = await this.runOnce();
      delay = intervalDelayMs(this.#policy.intervalMs, secondsToMs(outcome.minimumWaitSeconds), this.#policy);
    } catch (err) {
      const hint = err instanceof SyncError ? secondsToMs(err.retryAfterSeconds) : undefined;
      delay = retryDelayMs(this.#policy, this.#failures, hint);
      this.#events.onError?.(err, this.#failures, delay / 1000);
    }
    this.#schedule(delay);
  }
}

const secondsToMs = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : seconds * 1000);
