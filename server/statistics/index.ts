export { MonthlyStatistics, UNSPECIFIED } from './monthly-statistics.ts';
export type { IndicatorFigures, MonthFigures } from './monthly-statistics.ts';
export { monthAt, monthOf, monthsBetween, monthsOfYear } from './months.ts';
export type { Month } from './months.ts';
export { PublicStatistics, SETTLE_MS, STATISTICS_DEFINITION } from './public-statistics.ts';
export { annualReport, isReportFormat, REPORT_FORMATS, writeAnnualReport } from './annual-report.ts';
export type { AnnualReport, ReportFormat } from './annual-report.ts';
