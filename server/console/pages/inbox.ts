import { Hono, type Context } from 'hono';
import { REPORT_ID_PATTERN } from '../../../shared/wire/report.ts';
import { latestHoldUntil, MAX_HOLD_MONTHS } from '../../review/hold-limit.ts';
import { Inbox, InboxError, MAX_INBOX_PAGE } from '../../review/inbox.ts';
import type { ConsoleDeps, ConsoleEnv } from '../deps.ts';
import { ConsoleError } from '../errors.ts';
import { formOf } from '../forms.ts';
import { h, postForm } from '../html.ts';
import { renderPage } from '../layout.ts';
import { custodyFile } from './inbox/custody-file.ts';
import { inboxTable, type HoldError, type InboxRow } from './inbox/inbox-table.ts';

const PAGE_SIZE = 50;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_MESSAGE = 'enter a date as 2027-01-31 (the hold lasts until 00:00 UTC that day)';

const afterOf = (text: string | null | undefined): number => {
  const after = Number(text ?? 0);
  if (!Number.isSafeInteger(after) || after < 0) throw new ConsoleError('CONSOLE_FORM_INVALID', 'after must be a whole number');
  return after;
};

/** A report id from the path: anything else is no report of this inbox. */
const reportIdOf = (text: string): string => {
  if (!REPORT_ID_PATTERN.test(text)) throw new ConsoleError('CONSOLE_NOT_FOUND', 'no such report in your inbox');
  return text;
};

/** A `date` input as the start of that day in UTC; undefined when it is not a date that exists. */
function utcDateOf(text: string): number | undefined {
  const match = DATE.exec(text);
  if (match === null) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().slice(0, 10) === text ? ms : undefined;
}

const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const backTo = (after: number): string => `/console/inbox${after > 0 ? `?after=${after}` : ''}`;

/**
 * /console/inbox (authority, europol): the reports routed to the signed-in
 * account, oldest first as GET /v1/inbox/reports, acknowledged and held
 * through Inbox (the API's rules and codes), each with its chain of
 * custody to download and check offline.
 */
export function inboxRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const { centre, clock } = deps;
  const inbox = new Inbox(centre);
  const app = new Hono<ConsoleEnv>();

  const inboxPage = (c: Context<ConsoleEnv>, after: number, error?: HoldError) => {
    const session = c.get('session');
    const now = clock();
    const account = { id: session.accountId, name: session.name };
    const items = inbox.page(account.id, after, PAGE_SIZE);
    const rows: InboxRow[] = items.map((item) => ({ item, holds: inbox.holdsBy(account, item.reportId) }));
    const unacknowledged = [...new Set(items.filter((item) => item.ackedAt === null).map((item) => item.reportId))];
    const last = items.at(-1);
    // The date input's own bounds: tomorrow at the earliest, the API's longest hold at the latest.
    const bounds = { min: dateOf(now + 86_400_000), max: dateOf(latestHoldUntil(now)) };
    return renderPage(c, {
      title: 'Inbox',
      session,
      current: '/inbox',
      status: error === undefined ? 200 : 422,
      body: h(
        'div',
        {},
        h(
          'p',
          {},
          `A hold asks the provider to preserve the content and not inform the user until the date you give (at most ${MAX_HOLD_MONTHS} months). `,
          'The chain of custody file holds the provider’s signed report and the Centre’s signed forwarding record; check it offline with ',
          h('code', {}, 'hashfeed verify-report FILE --root-key KEY'),
          '.',
        ),
        unacknowledged.length === 0
          ? null
          : postForm(
              session,
              '/console/inbox/ack',
              { class: 'actions' },
              h('input', { type: 'hidden', name: 'after', value: String(after) }),
              ...unacknowledged.map((reportId) => h('input', { type: 'hidden', name: 'reportId', value: reportId })),
              h('button', { type: 'submit' }, `Acknowledge all ${unacknowledged.length} shown`),
            ),
        items.length === 0 ? h('p', { class: 'notice' }, after > 0 ? 'No more reports.' : 'No reports have been routed to you.') : inboxTable(session, rows, after, bounds, error),
        items.length === PAGE_SIZE && last !== undefined ? h('p', {}, h('a', { href: backTo(last.id), rel: 'next' }, 'Next reports')) : null,
      ),
    });
  };

  app.get('/', (c) => inboxPage(c, afterOf(c.req.query('after'))));

  app.post('/ack', async (c) => {
    const form = await formOf(c);
    const after = afterOf(form.get('after'));
    const reportIds = form.getAll('reportId');
    if (reportIds.length === 0 || reportIds.length > MAX_INBOX_PAGE) throw new ConsoleError('CONSOLE_FORM_INVALID', `acknowledge 1 to ${MAX_INBOX_PAGE} reports at once`);
    const session = c.get('session');
    const account = { id: session.accountId, name: session.name };
    const now = clock();
    // One transaction: all shown are acknowledged, or (one not in this inbox) none.
    const acknowledged = centre.write(() => reportIds.map(reportIdOf).reduce((sum, reportId) => sum + inbox.ack(account, reportId, now), 0));
    session.flash = { kind: 'done', text: `Acknowledged ${acknowledged} report${acknowledged === 1 ? '' : 's'}.` };
    return c.redirect(backTo(after), 303);
  });

  app.post('/reports/:id/ack', async (c) => {
    const reportId = reportIdOf(c.req.param('id'));
    const after = afterOf((await formOf(c)).get('after'));
    const session = c.get('session');
    const count = inbox.ack({ id: session.accountId, name: session.name }, reportId, clock());
    session.flash = { kind: 'done', text: count > 0 ? `Acknowledged report ${reportId}.` : `Report ${reportId} was already acknowledged.` };
    return c.redirect(backTo(after), 303);
  });

  app.post('/reports/:id/hold', async (c) => {
    const reportId = reportIdOf(c.req.param('id'));
    const form = await formOf(c);
    const after = afterOf(form.get('after'));
    const typed = (form.get('until') ?? '').trim().slice(0, 32);
    const session = c.get('session');
    const account = { id: session.accountId, name: session.name };
    // Not in this inbox is 404 before the date is read, as the API answers.
    inbox.routed(account.id, reportId);
    const until = utcDateOf(typed);
    if (until === undefined) return inboxPage(c, after, { reportId, message: DATE_MESSAGE, typed });
    try {
      inbox.hold(account, reportId, until, clock());
    } catch (err) {
      if (err instanceof InboxError) return inboxPage(c, after, { reportId, message: `${err.message} (${err.code})`, typed });
      throw err;
    }
    session.flash = { kind: 'done', text: `Asked the provider to hold report ${reportId} until ${typed} 00:00 UTC.` };
    return c.redirect(backTo(after), 303);
  });

  app.get('/reports/:id/custody.json', (c) => {
    const reportId = reportIdOf(c.req.param('id'));
    const session = c.get('session');
    const items = inbox.itemsOf(session.accountId, reportId);
    const body = JSON.stringify(custodyFile(centre, reportId, items, clock()), null, 2);
    c.header('Content-Disposition', `attachment; filename="custody-${reportId}.json"`);
    return c.body(body, 200, { 'Content-Type': 'application/json; charset=utf-8' });
  });

  return app;
}

