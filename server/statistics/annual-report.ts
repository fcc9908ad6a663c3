import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNFOUNDED_REASONS, type UnfoundedReason } from '../review/report-lifecycle.ts';
import type { Db } from '../store/database.ts';
import { chartPng, type Chart } from './charts.ts';
import { MonthlyStatistics, type AccessFigures, type IndicatorFigures, type MonthFigures } from './monthly-statistics.ts';
import { monthsOfYear } from './months.ts';
import { formatDuration, reportCsvFiles, reportMarkdown } from './report-formats.ts';

export const REPORT_FORMATS = ['md', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const isReportFormat = (value: string): value is ReportFormat => (REPORT_FORMATS as readonly string[]).includes(value);

/** A year of the public statistics (the figures of GET /v1/transparency) with the year's totals. */
export interface AnnualReport {
  readonly year: number;
  readonly feed: string;
  /** The months of the year that have begun, oldest first. */
  readonly months: readonly MonthFigures[];
  readonly totals: {
    readonly received: number;
    readonly unfounded: { readonly total: number; readonly byReason: Readonly<Record<UnfoundedReason, number>> };
    readonly forwarded: { readonly total: number; readonly memberStates: Readonly<Record<string, number>>; readonly europol: number };
    /** Over every report decided in the year (not a mean of the months). */
    readonly decisionTime: MonthFigures['reports']['decisionTime'];
    readonly indicators: Readonly<Record<string, IndicatorFigures>>;
    /** At the end of the year's last month shown. */
    readonly listSize: number;
    /** The months' sums; providersGivenKeys counts each provider once in the year. */
    readonly access: Readonly<AccessFigures>;
  };
}

/**
 * The report of `year`: its months from the Centre's first records to the
 * later of `now` and its latest audited event, so that no month is shown
 * before the Centre existed or before it began.
 */
export function annualReport(db: Db, feed: string, year: number, now: number): AnnualReport {
  const statistics = new MonthlyStatistics(db);
  const span = statistics.span();
  const first = span?.first ?? now;
  const last = Math.max(now, span?.last ?? now);
  const months = statistics.compute(monthsOfYear(year).filter((m) => m.end > first && m.start <= last));
  const reasons = Object.fromEntries(UNFOUNDED_REASONS.map((r) => [r, 0])) as Record<UnfoundedReason, number>;
  const memberStates: Record<string, number> = {};
  const indicators: Record<string, IndicatorFigures> = {};
  let europol = 0;
  for (const month of months) {
    for (const reason of UNFOUNDED_REASONS) reasons[reason] += month.reports.unfounded.byReason[reason];
    for (const [state, n] of Object.entries(month.reports.forwarded.memberStates)) memberStates[state] = (memberStates[state] ?? 0) + n;
    europol += month.reports.forwarded.europol;
    for (const [state, figures] of Object.entries(month.indicators)) {
      const total = (indicators[state] ??= { submitted: 0, approved: 0, revoked: 0, suspended: 0 });
      for (const key of ['submitted', 'approved', 'revoked', 'suspended'] as const) total[key] += figures[key];
    }
  }
  const sum = (pick: (m: MonthFigures) => number): number => months.reduce((total, m) => total + pick(m), 0);
  return {
    year,
    feed,
    months,
    totals: {
      received: sum((m) => m.reports.received),
      unfounded: { total: sum((m) => m.reports.unfounded.total), byReason: reasons },
      forwarded: { total: sum((m) => m.reports.forwarded.total), memberStates: sorted(memberStates), europol },
      decisionTime: statistics.decisionTime(Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1)),
      indicators: sorted(indicators),
      listSize: months.at(-1)?.listSize ?? 0,
      access: {
        grants: sum((m) => m.access.grants),
        wraps: sum((m) => m.access.wraps),
        fetches: sum((m) => m.access.fetches),
        refusedFetches: sum((m) => m.access.refusedFetches),
        providersGivenKeys: statistics.providersGivenKeys(Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1)),
      },
    },
  };
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HOUR = 3_600_000;

/** The report's three charts, by file name. */
export function reportCharts(report: AnnualReport): { file: string; title: string; chart: Chart }[] {
  const categories = report.months.map((m) => MONTH_NAMES[Number(m.month.slice(5)) - 1] ?? m.month);
  const hours = (ms: number | null): number => (ms ?? 0) / HOUR;
  const charts: { file: string; chart: Chart }[] = [
    {
      file: `reports-per-month-${report.year}.png`,
      chart: {
        title: `Reports per month, ${report.year}`,
        kind: 'bars',
        categories,
        series: [
          { name: 'received', color: '#3b6ea5', values: report.months.map((m) => m.reports.received) },
          { name: 'forwarded', color: '#d1495b', values: report.months.map((m) => m.reports.forwarded.total) },
          { name: 'unfounded', color: '#edae49', values: report.months.map((m) => m.reports.unfounded.total) },
        ],
      },
    },
    {
      file: `decision-times-${report.year}.png`,
      chart: {
        title: `Time from receipt to decision, ${report.year}`,
        kind: 'bars',
        categories,
        label: (v) => formatDuration(v * HOUR),
        series: [
          { name: 'median', color: '#00798c', values: report.months.map((m) => hours(m.reports.decisionTime.p50Ms)) },
          { name: '90th percentile', color: '#66a182', values: report.months.map((m) => hours(m.reports.decisionTime.p90Ms)) },
        ],
      },
    },
    {
      file: `list-size-${report.year}.png`,
      chart: {
        title: `Indicators on the list at the end of each month, ${report.year}`,
        kind: 'line',
        categories,
        series: [{ name: 'active indicators', color: '#2e4057', values: report.months.map((m) => m.listSize) }],
      },
    },
  ];
  return charts.map(({ file, chart }) => ({ file, title: chart.title, chart }));
}

/** Writes the report in `format` and its PNG charts to `outDir` (created if needed); returns the files written, in order. */
export async function writeAnnualReport(report: AnnualReport, format: ReportFormat, outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const charts = reportCharts(report);
  const files: { name: string; content: string | Buffer }[] = [];
  if (format === 'json') files.push({ name: `report-${report.year}.json`, content: `${JSON.stringify(report, null, 2)}\n` });
  if (format === 'md') files.push({ name: `report-${report.year}.md`, content: reportMarkdown(report, charts) });
  if (format === 'csv') files.push(...reportCsvFiles(report).map(({ name, content }) => ({ name, content })));
  for (const { file, chart } of charts) files.push({ name: file, content: await chartPng(chart) });
  for (const { name, content } of files) writeFileSync(join(outDir, name), content);
  return files.map(({ name }) => join(outDir, name));
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
