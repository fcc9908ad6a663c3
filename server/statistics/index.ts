export { MonthlyStatistics, UNSPECIFIED } from './monthly-statistics.ts';
export type { IndicatorFigures, MonthFigures } from './monthly-statistics.ts';
export { monthAt, monthOf, monthsBetween, monthsOfYear } from './months.ts';
export type { Month } from './months.ts';
export { PublicStatistics, SETTLE_MS } from './public-statistics.ts';
