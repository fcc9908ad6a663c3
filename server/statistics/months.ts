/** A calendar month in UTC: the statistics' unit of time. */
export interface Month {
  /** `YYYY-MM`, as SQLite's strftime('%Y-%m') writes it. */
  readonly key: string;
  /** First millisecond of the month (inclusive). */
  readonly start: number;
  /** First millisecond of the next month (exclusive). */
  readonly end: number;
}

/** The UTC month that contains `at` (milliseconds since the epoch). */
export function monthOf(at: number): Month {
  const date = new Date(at);
  return monthAt(date.getUTCFullYear(), date.getUTCMonth());
}

/** Month `monthIndex` (0 = January; out-of-range values roll into the next or previous years) of `year`. */
export function monthAt(year: number, monthIndex: number): Month {
  const start = Date.UTC(year, monthIndex, 1);
  const first = new Date(start);
  const key = `${String(first.getUTCFullYear()).padStart(4, '0')}-${String(first.getUTCMonth() + 1).padStart(2, '0')}`;
  return { key, start, end: Date.UTC(year, monthIndex + 1, 1) };
}

/** Every month from the one holding `from` to the one holding `to`, both included, oldest first. */
export function monthsBetween(from: number, to: number): Month[] {
  const months: Month[] = [];
  for (let month = monthOf(from); month.start <= to; month = monthOf(month.end)) months.push(month);
  return months;
}

/** The twelve months of `year`. */
export function monthsOfYear(year: number): Month[] {
  return Array.from({ length: 12 }, (_, i) => monthAt(year, i));
}
