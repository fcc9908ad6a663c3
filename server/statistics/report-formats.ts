import { UNFOUNDED_REASONS } from '../review/report-lifecycle.ts';
import type { AnnualReport } from './annual-report.ts';
import type { MonthFigures } from './monthly-statistics.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration as a reader takes it in: minutes, hours or days. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < HOUR) return `${Math.round(ms / MINUTE)} min`;
  if (ms < 2 * DAY) return `${(ms / HOUR).toFixed(1)} h`;
  return `${(ms / DAY).toFixed(1)} d`;
}

/** Every key any month uses in the record `pick` reads, sorted: the columns of a table. */
function keysOf(months: readonly MonthFigures[], pick: (m: MonthFigures) => Record<string, unknown>): string[] {
  return [...new Set(months.flatMap((m) => Object.keys(pick(m))))].sort();
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** The annual report as Markdown: a table per figure, the totals, and the charts beside it. */
export function reportMarkdown(report: AnnualReport, charts: readonly { file: string; title: string }[]): string {
  const { months, totals } = report;
  const forwardedTo = keysOf(months, (m) => m.reports.forwarded.memberStates);
  const orderStates = keysOf(months, (m) => m.activeOrders);
  const indicatorStates = keysOf(months, (m) => m.indicators);
  const sections = [
    `# ${report.feed}: annual report ${report.year}`,
    'Public statistics of the EU Centre: counts only, by UTC month. No report, hash, subject, target, order or provider is named. ' +
      'Decisions count in the month they were taken; times run from receipt to decision (nearest-rank median and 90th percentile).',
    '## Totals',
    table(
      ['Figure', 'Value'],
      [
        ['Reports received', totals.received],
        ['Reports forwarded', totals.forwarded.total],
        ['Reports judged unfounded', totals.unfounded.total],
        ['Reports decided', totals.decisionTime.decided],
        ['Median time to decision', formatDuration(totals.decisionTime.p50Ms)],
        ['90th percentile time to decision', formatDuration(totals.decisionTime.p90Ms)],
        ['Indicators on the list at the end', totals.listSize],
        ['Providers given keys to the indicators', totals.access.providersGivenKeys],
        ['Access lists served (refused)', `${totals.access.fetches} (${totals.access.refusedFetches})`],
      ],
    ),
    '## Reports',
    table(
      ['Month', 'Received', 'Forwarded', 'Unfounded', 'Decided', 'Median time', '90th percentile'],
      months.map((m) => [
        m.month,
        m.reports.received,
        m.reports.forwarded.total,
        m.reports.unfounded.total,
        m.reports.decisionTime.decided,
        formatDuration(m.reports.decisionTime.p50Ms),
        formatDuration(m.reports.decisionTime.p90Ms),
      ]),
    ),
    '## Unfounded, by reason',
    table(['Month', ...UNFOUNDED_REASONS], months.map((m) => [m.month, ...UNFOUNDED_REASONS.map((r) => m.reports.unfounded.byReason[r])])),
    '## Forwarded, by recipient',
    'A report counts once for each Member State whose authorities received it, and once for Europol.',
    table(
      ['Month', ...forwardedTo, 'Europol'],
      months.map((m) => [m.month, ...forwardedTo.map((s) => m.reports.forwarded.memberStates[s] ?? 0), m.reports.forwarded.europol]),
    ),
    '## Indicators, by Member State of the submitting authority',
    table(
      ['Month', 'Member State', 'Submitted', 'Approved', 'Revoked', 'Suspended'],
      months.flatMap((m) => indicatorStates.filter((s) => m.indicators[s] !== undefined).map((s) => {
        const f = m.indicators[s] ?? { submitted: 0, approved: 0, revoked: 0, suspended: 0 };
        return [m.month, s, f.submitted, f.approved, f.revoked, f.suspended];
      })),
    ),
    '## Active detection orders, by issuing Member State',
    table(['Month', ...orderStates], months.map((m) => [m.month, ...orderStates.map((s) => m.activeOrders[s] ?? 0)])),
    '## List size',
    table(['Month', 'Indicators at the end of the month'], months.map((m) => [m.month, m.listSize])),
    '## Access to the indicators',
    'From the access log: providers entitled (grants), epoch keys wrapped for them, and access lists served, those without a key counted as refused.',
    table(
      ['Month', 'Grants', 'Keys wrapped', 'Providers given keys', 'Access lists served', 'Refused'],
      months.map((m) => [m.month, m.access.grants, m.access.wraps, m.access.providersGivenKeys, m.access.fetches, m.access.refusedFetches]),
    ),
    '## Charts',
    ...charts.map((c) => `![${c.title}](${c.file})`),
  ];
  return `${sections.join('\n\n')}\n`;
}

const csvCell = (value: string | number): string => (typeof value === 'number' || !/[",\n\r]/.test(value) ? String(value) : `"${value.replaceAll('"', '""')}"`);
const csv = (header: readonly string[], rows: readonly (readonly (string | number)[])[]): string =>
  `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;

/**
 * The annual report as CSV (RFC 4180), one file per table so that each
 * opens as a sheet: reports (a row per month, times in milliseconds),
 * forwarded, indicators and orders (a row per month and Member State).
 */
export function reportCsvFiles(report: AnnualReport): { name: string; content: string }[] {
  const { months, year } = report;
  return [
    {
      name: `reports-${year}.csv`,
      content: csv(
        ['month', 'received', 'forwarded', 'unfounded', ...UNFOUNDED_REASONS.map((r) => `unfounded_${r}`), 'decided', 'decision_p50_ms', 'decision_p90_ms', 'list_size'],
        months.map((m) => [
          m.month,
          m.reports.received,
          m.reports.forwarded.total,
          m.reports.unfounded.total,
          ...UNFOUNDED_REASONS.map((r) => m.reports.unfounded.byReason[r]),
          m.reports.decisionTime.decided,
          m.reports.decisionTime.p50Ms ?? '',
          m.reports.decisionTime.p90Ms ?? '',
          m.listSize,
        ]),
      ),
    },
    {
      name: `forwarded-${year}.csv`,
      content: csv(
        ['month', 'recipient', 'reports'],
        months.flatMap((m) => [
          ...Object.entries(m.reports.forwarded.memberStates).map(([state, n]) => [m.month, state, n]),
          ...(m.reports.forwarded.europol > 0 ? [[m.month, 'Europol', m.reports.forwarded.europol]] : []),
        ]),
      ),
    },
    {
      name: `indicators-${year}.csv`,
      content: csv(
        ['month', 'member_state', 'submitted', 'approved', 'revoked', 'suspended'],
        months.flatMap((m) => Object.entries(m.indicators).map(([state, f]) => [m.month, state, f.submitted, f.approved, f.revoked, f.suspended])),
      ),
    },
    {
      name: `access-${year}.csv`,
      content: csv(
        ['month', 'grants', 'wraps', 'providers_given_keys', 'fetches', 'refused_fetches'],
        months.map((m) => [m.month, m.access.grants, m.access.wraps, m.access.providersGivenKeys, m.access.fetches, m.access.refusedFetches]),
      ),
    },
    {
      name: `orders-${year}.csv`,
      content: csv(['month', 'member_state', 'active_orders'], months.flatMap((m) => Object.entries(m.activeOrders).map(([state, n]) => [m.month, state, n]))),
    },
  ];
}
