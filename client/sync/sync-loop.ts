import { nextDelaySeconds, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { SyncError } from './errors.ts';
import type { SyncOutcome } from './syncer.ts';

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
 * after failures (never sooner than Retry-After). One round at a time.
 */
export class SyncLoop {
  readonly #syncer: SyncRound;
  readonly #policy: BackoffPolicy;
  readonly #events: SyncLoopEvents;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #failures = 0;
  #stopped = true;

  constructor(syncer: SyncRound, policy: BackoffPolicy = DEFAULT_BACKOFF, events: SyncLoopEvents = {}) {
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

  #schedule(seconds: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#round();
    }, seconds * 1000);
    this.#timer.unref();
  }

  async #round(): Promise<void> {
    let delay: number;
    try {
      const outcome = await this.runOnce();
      delay = nextDelaySeconds(this.#policy, 0, outcome.minimumWaitSeconds);
    } catch (err) {
      const hint = err instanceof SyncError ? err.retryAfterSeconds : undefined;
      delay = nextDelaySeconds(this.#policy, this.#failures, hint);
      this.#events.onError?.(err, this.#failures, delay);
    }
    this.#schedule(delay);
  }
}
