import { Hono } from 'hono';
import { raw } from 'hono/html';
import { annualReport, chartSvg, formatDuration, reportCharts, type AnnualReport } from '../../statistics/index.ts';
import type { ConsoleDeps, ConsoleEnv } from '../deps.ts';
import { h, type Child } from '../html.ts';
import { renderPage } from '../layout.ts';

const FIRST_YEAR = 2024;

/** A year's months as a table: the charts' figures in words and numbers, for every reader. */
function figuresTable(report: AnnualReport): Child {
  const header = ['Month', 'Received', 'Forwarded', 'Unfounded', 'Decided', 'Median decision time', '90th percentile', 'Indicators on the list'];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, `Figures per month, ${report.year}`),
      h('thead', {}, h('tr', {}, ...header.map((cell) => h('th', { scope: 'col' }, cell)))),
      h(
        'tbody',
        {},
        ...report.months.map((m) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, m.month),
            h('td', {}, String(m.reports.received)),
            h('td', {}, String(m.reports.forwarded.total)),
            h('td', {}, String(m.reports.unfounded.total)),
            h('td', {}, String(m.reports.decisionTime.decided)),
            h('td', {}, formatDuration(m.reports.decisionTime.p50Ms)),
            h('td', {}, formatDuration(m.reports.decisionTime.p90Ms)),
            h('td', {}, String(m.listSize)),
          ),
        ),
      ),
    ),
  );
}

/**
 * GET /console/statistics[?year=YYYY] (every signed-in role): the public
 * statistics of GET /v1/transparency as the annual report draws them
 * (server/statistics): reports per month, decision times, list size; each
 * chart an inline SVG with its figures in a table below.
 */
export function statisticsRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const { centre, clock } = deps;
  const app = new Hono<ConsoleEnv>();
  app.get('/', (c) => {
    const now = clock();
    const thisYear = new Date(now).getUTCFullYear();
    const asked = Number(c.req.query('year'));
    const year = Number.isInteger(asked) && asked >= FIRST_YEAR && asked <= thisYear ? asked : thisYear;
    const report = annualReport(centre.db, centre.config.feed, year, now);
    const years = Array.from({ length: thisYear - FIRST_YEAR + 1 }, (_, i) => thisYear - i);
    return renderPage(c, {
      title: 'Statistics',
      session: c.get('session'),
      current: '/statistics',
      body: h(
        'div',
        {},
        h(
          'form',
          { method: 'get', action: '/console/statistics', class: 'actions' },
          h('label', { for: 'year' }, 'Year'),
          h('select', { id: 'year', name: 'year' }, ...years.map((y) => h('option', { value: String(y), selected: y === year }, String(y)))),
          h('button', { type: 'submit' }, 'Show'),
        ),
        h(
          'p',
          { class: 'counts' },
          h('span', { class: 'count' }, h('strong', {}, String(report.totals.received)), 'reports received'),
          h('span', { class: 'count' }, h('strong', {}, String(report.totals.forwarded.total)), 'forwarded'),
          h('span', { class: 'count' }, h('strong', {}, String(report.totals.unfounded.total)), 'unfounded'),
          h('span', { class: 'count' }, h('strong', {}, formatDuration(report.totals.decisionTime.p50Ms)), 'median decision time'),
          h('span', { class: 'count' }, h('strong', {}, String(report.totals.listSize)), 'indicators on the list'),
        ),
        h('div', { class: 'charts' }, ...reportCharts(report).map(({ title, chart }) => h('figure', {}, h('div', { class: 'chart', role: 'img', 'aria-label': title }, raw(chartSvg(chart))), h('figcaption', {}, title)))),
        figuresTable(report),
      ),
    });
  });
  return app;
}
