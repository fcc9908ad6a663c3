/** setTimeout's limit: a longer delay (or NaN) would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay made safe for setTimeout: whole milliseconds from 0 to 2^31 - 1; NaN counts as 0. */
export function clampTimerMs(ms: number): number {
  if (Number.isNaN(ms)) return 0;
  return Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(ms)));
}
