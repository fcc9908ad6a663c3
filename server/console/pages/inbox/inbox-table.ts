import type { InboxItem, ReportHold } from '../../../store/forwarding.ts';
import { h, postForm, timeOf, type Child } from '../../html.ts';
import type { ConsoleSession } from '../../session-store.ts';

/** A hold refused on one report: its message beside that report's date field, with what was typed. */
export interface HoldError {
  readonly reportId: string;
  readonly message: string;
  readonly typed: string;
}

export interface InboxRow {
  readonly item: InboxItem;
  /** The holds the signed-in account asked for on this report. */
  readonly holds: readonly ReportHold[];
}

const reportPath = (reportId: string): string => `/console/inbox/reports/${reportId}`;

function holdCell(session: ConsoleSession, row: InboxRow, after: number, bounds: { min: string; max: string }, error: HoldError | undefined): Child {
  const { item, holds } = row;
  const latest = holds.reduce<ReportHold | undefined>((a, b) => (a === undefined || b.until > a.until ? b : a), undefined);
  const id = `hold-${item.id}`;
  const failed = error?.reportId === item.reportId ? error : undefined;
  return h(
    'td',
    {},
    h('p', { class: 'hold-status' }, latest === undefined ? 'No hold' : ['Held until ', timeOf(latest.until), ' (asked ', timeOf(latest.requestedAt), ')']),
    item.decision === 'unfounded'
      ? null
      : postForm(
          session,
          `${reportPath(item.reportId)}/hold`,
          { class: failed === undefined ? 'hold field' : 'hold field invalid', novalidate: true },
          h('input', { type: 'hidden', name: 'after', value: String(after) }),
          h('label', { for: id }, 'Hold until (UTC date)'),
          h('input', {
            id,
            name: 'until',
            type: 'date',
            min: bounds.min,
            max: bounds.max,
            value: failed?.typed ?? '',
            required: true,
            'aria-invalid': failed === undefined ? undefined : 'true',
            'aria-describedby': failed === undefined ? undefined : `${id}-error`,
          }),
          failed === undefined ? null : h('p', { class: 'error', id: `${id}-error` }, h('strong', {}, 'Error: '), failed.message),
          h('button', { type: 'submit', 'aria-label': `Place a hold on report ${item.reportId}` }, 'Place hold'),
        ),
  );
}

/** A page of the inbox, oldest first as GET /v1/inbox/reports: decision, times, hold, and the actions on each report. */
export function inboxTable(session: ConsoleSession, rows: readonly InboxRow[], after: number, bounds: { min: string; max: string }, error: HoldError | undefined): Child {
  const header = ['Report', 'Decision', 'Decided', 'Delivered', 'Acknowledged', 'Hold', 'Chain of custody'];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'inbox' },
      h('caption', {}, 'Reports routed to you, oldest first'),
      h('thead', {}, h('tr', {}, ...header.map((cell) => h('th', { scope: 'col' }, cell)))),
      h(
        'tbody',
        {},
        ...rows.map((row) => {
          const { item } = row;
          return h(
            'tr',
            { 'data-report': item.reportId, 'data-item': String(item.id) },
            h('th', { scope: 'row' }, h('code', {}, item.reportId)),
            h('td', {}, item.decision === 'forwarded' ? 'Forwarded' : 'Unfounded (withdrawn)', item.purgedAt === null ? null : [h('br', {}), 'Report purged on ', timeOf(item.purgedAt)]),
            h('td', {}, timeOf(item.decidedAt)),
            h('td', {}, timeOf(item.deliveredAt)),
            h(
              'td',
              {},
              item.ackedAt === null
                ? postForm(
                    session,
                    `${reportPath(item.reportId)}/ack`,
                    { class: 'inline' },
                    h('input', { type: 'hidden', name: 'after', value: String(after) }),
                    h('span', { class: 'badge' }, 'Not acknowledged'),
                    ' ',
                    h('button', { type: 'submit', 'aria-label': `Acknowledge report ${item.reportId}` }, 'Acknowledge'),
                  )
                : ['Acknowledged ', timeOf(item.ackedAt)],
            ),
            holdCell(session, row, after, bounds, error),
            h('td', {}, h('a', { href: `${reportPath(item.reportId)}/custody.json`, download: `custody-${item.reportId}.json`, 'aria-label': `Download the chain of custody of report ${item.reportId}` }, 'Download chain of custody')),
          );
        }),
      ),
    ),
  );
}
