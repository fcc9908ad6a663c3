/** The longest hold a recipient may ask for (issue 11): 18 calendar months. */
export const MAX_HOLD_MONTHS = 18;

/**
 * The latest `until` a hold requested at `now` may carry: the same time of
 * day 18 calendar months later (UTC), on the last day of that month when it
 * is shorter (31 August -> 28 or 29 February).
 */
export function latestHoldUntil(now: number): number {
  const start = new Date(now);
  const month = start.getUTCMonth() + MAX_HOLD_MONTHS;
  const lastDay = new Date(Date.UTC(start.getUTCFullYear(), month + 1, 0)).getUTCDate();
  return Date.UTC(
    start.getUTCFullYear(),
    month,
    Math.min(start.getUTCDate(), lastDay),
    start.getUTCHours(),
    start.getUTCMinutes(),
    start.getUTCSeconds(),
    start.getUTCMilliseconds(),
  );
}
