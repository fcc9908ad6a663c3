import { clampTimerMs } from '../../shared/timer.ts';

/**
 * A delivery loop's wait between attempts: ends after `ms` (clamped below
 * setTimeout's limit), when `signal` aborts (shutdown), or when `wake()` is
 * called (new work queued), whichever comes first.
 */
export class WakeableSleep {
  #wakeUp: (() => void) | undefined;

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, clampTimerMs(ms));
      signal.addEventListener('abort', done, { once: true });
      this.#wakeUp = done;
    });
  }

  /** Ends the current sleep now, if there is one. */
  wake(): void {
    this.#wakeUp?.();
  }
}
