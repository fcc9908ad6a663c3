import { Hono, type Context } from 'hono';
import { ApiError } from '../../http/api-error.ts';
import { IndicatorApprovals, type ApprovalRefusal } from '../../publish/approvals.ts';
import type { ConsoleDeps, ConsoleEnv } from '../deps.ts';
import { ConsoleError } from '../errors.ts';
import { formOf } from '../forms.ts';
import { h } from '../html.ts';
import { renderPage, type PageOptions } from '../layout.ts';
import { batchForms, pendingTable, suspendedTable } from './indicators-view.ts';

/** Rows per table page. */
const PAGE_SIZE = 100;
/** Indicators one "Approve selected" may carry: a page's worth, with room. */
const MAX_SELECTED = 200;
const ID = /^[1-9][0-9]{0,14}$/;

/** A page cursor or id from a query or form: a positive integer, or undefined when absent or malformed. */
const idOf = (value: string | null | undefined): number | undefined => (value !== null && value !== undefined && ID.test(value) ? Number(value) : undefined);

interface PageState {
  readonly status?: PageOptions['status'];
  readonly approveError?: string;
  readonly checked?: ReadonlySet<number>;
  readonly batch?: { readonly value?: string; readonly error?: string };
  readonly after?: number | undefined;
}

/**
 * GET /console/indicators (operator): pending submissions with their
 * two-source status, approved one, several or a whole batch at a time
 * through the API's own approvals (server/publish/approvals.ts, audited
 * alike), and the suspended indicators awaiting their authorities'
 * re-assessment.
 */
export function indicatorsRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const { centre, clock } = deps;
  const app = new Hono<ConsoleEnv>();
  const approvals = new IndicatorApprovals(centre);

  const render = (c: Context<ConsoleEnv>, state: PageState) => {
    const session = c.get('session');
    const after = state.after ?? idOf(c.req.query('after'));
    const suspendedAfter = idOf(c.req.query('suspended_after'));
    const pending = centre.indicators.query({ status: 'pending', approved: false, afterId: after, limit: PAGE_SIZE });
    const suspended = centre.indicators.query({ status: 'suspended', afterId: suspendedAfter, limit: PAGE_SIZE });
    const nextOf = (rows: readonly { id: number }[]) => (rows.length === PAGE_SIZE ? (rows[rows.length - 1]?.id ?? null) : null);
    return renderPage(c, {
      title: 'Indicators',
      session,
      current: '/indicators',
      status: state.status,
      body: h(
        'div',
        {},
        h('h2', {}, 'Pending submissions'),
        h('p', {}, 'Approved indicators are added by the next publication once they have enough sources (see ', h('a', { href: '/console/publish' }, 'Publish'), ').'),
        pendingTable(centre, session, pending, { after, next: nextOf(pending), error: state.approveError, checked: state.checked }),
        h('h2', {}, 'Approve a whole batch'),
        batchForms(session, pending, state.batch ?? {}),
        h('h2', {}, 'Suspended indicators awaiting re-assessment'),
        suspendedTable(centre, suspended, suspendedAfter, nextOf(suspended)),
      ),
    });
  };

  app.get('/', (c) => render(c, {}));

  // One form: a row's own button sends `only`; "Approve selected" sends the ticked `id`s.
  app.post('/approve', async (c) => {
    const form = await formOf(c);
    const after = idOf(form.get('after'));
    const only = form.get('only');
    const raw = only !== null ? [only] : form.getAll('id');
    if (raw.length > MAX_SELECTED) throw new ConsoleError('CONSOLE_FORM_INVALID', `at most ${MAX_SELECTED} indicators can be approved at once`);
    const ids = raw.map((value) => {
      const id = idOf(value);
      if (id === undefined) throw new ConsoleError('CONSOLE_FORM_INVALID', 'an indicator id is a positive whole number');
      return id;
    });
    if (ids.length === 0) return render(c, { status: 422, after, approveError: 'Select at least one indicator, or use the Approve button of its row.' });
    const session = c.get('session');
    const { approved, refused } = approvals.approveMany(ids, { id: session.accountId, name: session.name }, clock());
    session.flash = { kind: approved.length === 0 ? 'refused' : 'done', text: approvalMessage(approved, refused) };
    return c.redirect(`/console/indicators${after === undefined ? '' : `?after=${after}`}`, 303);
  });

  app.post('/batches/approve', async (c) => {
    const form = await formOf(c);
    const typed = (form.get('batch') ?? '').trim().slice(0, 32);
    const batch = idOf(typed);
    if (batch === undefined) return render(c, { status: 422, batch: { value: typed, error: 'Enter a batch number (a positive whole number).' } });
    const session = c.get('session');
    try {
      const approved = approvals.approveBatch(batch, { id: session.accountId, name: session.name }, clock());
      session.flash = { kind: 'done', text: `Approved ${approved} pending ${approved === 1 ? 'indicator' : 'indicators'} of batch ${batch}.` };
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'NOT_FOUND') throw err;
      return render(c, { status: 404, batch: { value: typed, error: `${err.code}: ${err.message}` } });
    }
    return c.redirect('/console/indicators', 303);
  });

  return app;
}

/** What happened to each selected indicator, refusals with the API's codes. */
function approvalMessage(approved: readonly number[], refused: readonly ApprovalRefusal[]): string {
  const parts: string[] = [];
  if (approved.length > 0) parts.push(`Approved ${approved.length === 1 ? 'indicator' : `${approved.length} indicators:`} ${approved.map((id) => `#${id}`).join(', ')}.`);
  if (refused.length > 0) parts.push(`Not approved: ${refused.map((r) => `#${r.id} ${r.code} (${r.message})`).join('; ')}.`);
  return parts.join(' ');
}
