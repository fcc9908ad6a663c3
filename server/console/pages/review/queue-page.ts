import type { Context } from 'hono';
import type { QueueCounts } from '../../../review/queue-counts.ts';
import type { BundleView } from '../../../review/review-desk.ts';
import type { ConsoleEnv } from '../../deps.ts';
import { h, postForm, timeOf, type Child } from '../../html.ts';
import { renderPage } from '../../layout.ts';
import { countdown } from './report-view.ts';

/** Why the queue page was come back to with nothing claimed: fixed words, never caller input. */
export const NOTHING_TO_CLAIM = {
  report: 'Nothing to review: no report is waiting in the queue.',
  qa: 'No QA check is waiting for you: every sampled decision is checked, held by another reviewer, or your own.',
} as const;
export type NothingToClaim = keyof typeof NOTHING_TO_CLAIM;

const count = (name: keyof QueueCounts, value: number, label: string): Child => h('span', { class: 'count' }, h('strong', { 'data-count': name }, String(value)), label);

/** One held bundle (or QA check) as table rows: each report a link to its page, with the lease left. */
function heldRows(kind: string, held: BundleView, until: number | null, now: number): Child[] {
  return held.reportIds.map((reportId) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('a', { href: `/console/review/reports/${reportId}` }, reportId)),
      h('td', {}, kind),
      h('td', {}, `Bundle ${held.bundle.id}${held.bundle.urgent ? ', urgent' : ''}`),
      h('td', {}, until === null ? '—' : h('span', {}, timeOf(until), ' (', countdown(until, now), ')')),
    ),
  );
}

function heldTable(held: { review: BundleView | undefined; qa: BundleView | undefined }, now: number): Child {
  const rows = [
    ...(held.review === undefined ? [] : heldRows('Decision', held.review, held.review.bundle.leaseUntil, now)),
    ...(held.qa === undefined ? [] : heldRows('QA check', held.qa, held.qa.bundle.qaLeaseUntil, now)),
  ];
  if (rows.length === 0) return h('p', {}, 'You hold no report. Claim the next one to start.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, 'Reports you hold'),
      h('thead', {}, h('tr', {}, ...['Report', 'To do', 'Bundle', 'Lease ends'].map((cell) => h('th', { scope: 'col' }, cell)))),
      h('tbody', {}, ...rows),
    ),
  );
}

/** GET /console/review: the queue's figures (refreshed by the script), the two claim buttons, what this reviewer holds. */
export function queuePage(
  c: Context<ConsoleEnv>,
  page: { counts: QueueCounts; held: { review: BundleView | undefined; qa: BundleView | undefined }; nothing: NothingToClaim | undefined; now: number },
): Response | Promise<Response> {
  const session = c.get('session');
  const { counts } = page;
  return renderPage(c, {
    title: 'Review queue',
    session,
    current: '/review',
    body: h(
      'div',
      {},
      page.nothing === undefined ? null : h('p', { class: 'notice', role: 'status' }, NOTHING_TO_CLAIM[page.nothing]),
      h(
        'section',
        { 'aria-labelledby': 'counts-heading', 'data-live-counts': '/console/review/counts' },
        h('h2', { id: 'counts-heading' }, 'Waiting now'),
        h(
          'p',
          { class: 'counts' },
          count('open', counts.open, 'open reports'),
          count('urgent', counts.urgent, 'of them urgent'),
          count('qa', counts.qa, 'QA checks waiting for you'),
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        postForm(session, '/console/review/claim', { class: 'inline' }, h('button', { type: 'submit', class: 'primary', 'data-shortcut': 'n' }, 'Claim next report')),
        postForm(session, '/console/review/qa/claim', { class: 'inline' }, h('button', { type: 'submit', 'data-shortcut': 'q' }, 'Claim next QA check')),
      ),
      h('p', { class: 'keys' }, 'Keys: ', h('kbd', {}, 'N'), ' claims the next report, ', h('kbd', {}, 'Q'), ' the next QA check. Urgent reports come first, then the oldest.'),
      h(
        'section',
        { 'aria-labelledby': 'held-heading' },
        h('h2', { id: 'held-heading' }, 'Your work'),
        heldTable(page.held, page.now),
        page.held.review === undefined ? null : h('p', { class: 'hint' }, 'You work on one bundle at a time: while you hold it, Claim next report opens it again.'),
      ),
    ),
  });
}
