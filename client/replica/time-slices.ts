/**
 * Work over many rows in slices bounded by time, each yielding to the event
 * loop first: a slice ends once it has run `budgetMs` (checked every few
 * steps) or `maxSteps` steps, whichever comes first. A bound in time rather
 * than in rows holds on a slow disk, a large B-tree or a busy machine alike,
 * where a fixed row count did not (bench:digest).
 */
export interface SliceOptions {
  /** Time one slice may run, ms; default 8. */
  readonly budgetMs?: number;
  /** Steps one slice may run at most; default unbounded (tests set it to force several slices). */
  readonly maxSteps?: number;
  /** Runs one slice, e.g. inside a write transaction; default: as is. */
  readonly wrap?: (slice: () => void) => void;
}

export const DEFAULT_SLICE_BUDGET_MS = 8;
const CHECK_EVERY = 8;

export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Calls `step(i)` for every i from 0 to count - 1, in order, in slices (see SliceOptions). */
export async function inTimeSlices(count: number, step: (index: number) => void, options: SliceOptions = {}): Promise<void> {
  const budgetMs = options.budgetMs ?? DEFAULT_SLICE_BUDGET_MS;
  const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
  const wrap = options.wrap ?? ((slice: () => void): void => slice());
  let next = 0;
  while (next < count) {
    await nextTurn();
    wrap(() => {
      const started = performance.now();
      const end = Math.min(count, next + maxSteps);
      for (let done = 0; next < end; done++) {
        if (done > 0 && done % CHECK_EVERY === 0 && performance.now() - started >= budgetMs) break;
        step(next);
        next++;
      }
    });
  }
}
