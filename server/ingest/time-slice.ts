import { setImmediate } from 'node:timers/promises';

/**
 * Keeps a long loop (parsing an upload, writing it) from holding the event
 * loop: the loop asks `spent()` as it goes and awaits `next()` once its
 * slice is used up, so that other requests run in between.
 */
export class TimeSlice {
  readonly #budgetMs: number;
  #startedAt = performance.now();

  constructor(budgetMs: number) {
    this.#budgetMs = budgetMs;
  }

  spent(): boolean {
    return performance.now() - this.#startedAt >= this.#budgetMs;
  }

  async next(): Promise<void> {
    await setImmediate();
    this.#startedAt = performance.now();
  }
}
