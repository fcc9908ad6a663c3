import { Hono, type Context } from 'hono';
import { ORDER_ID_PATTERN, PROVIDER_NAME_PATTERN } from '../../../shared/wire/order.ts';
import { EndReasonSchema } from '../../orders/order-body.ts';
import { OrderRegistry } from '../../orders/order-registry.ts';
import { orderStatus, type OrderStatus, type StoredOrder } from '../../store/orders.ts';
import type { ConsoleDeps, ConsoleEnv } from '../deps.ts';
import { ConsoleError } from '../errors.ts';
import { formOf } from '../forms.ts';
import { field, h, postForm, timeOf, type Child } from '../html.ts';
import { renderPage } from '../layout.ts';
import { checkOrderForm, orderForm, orderFormValues, refusalOnForm, utcInputOf, type OrderFormErrors, type OrderFormValues } from './orders/order-form.ts';
import { isOrderStatus, ORDER_STATUSES, orderTable, STATUS_LABELS } from './orders/order-table.ts';

/** Orders per page, and rows read at most to fill one under a status filter (the next link resumes the scan). */
const PAGE_SIZE = 50;
const SCAN_CHUNK = 100;
const MAX_SCANNED = 2_000;
const DAY = 86_400_000;

/**
 * /console/orders (operator): detection orders by status, registering one
 * (the schema and OrderRegistry of POST /v1/orders: audited and committed
 * to in the log alike), and ending one early with a reason.
 */
export function ordersRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const { centre, clock } = deps;
  const registry = new OrderRegistry(centre);
  const app = new Hono<ConsoleEnv>();
  const providerNames = (): string[] => centre.accounts.list().filter((a) => a.role === 'provider' && a.disabledAt === null).map((a) => a.name);

  const registerPage = (c: Context<ConsoleEnv>, values: OrderFormValues, errors: OrderFormErrors, status: 200 | 422) =>
    renderPage(c, {
      title: 'Register an order',
      session: c.get('session'),
      current: '/orders',
      status,
      body: h(
        'div',
        {},
        h('p', {}, 'Register a detection order a court has validated. Its registration is audited and committed to in the public log. ', h('a', { href: '/console/orders' }, 'Back to the orders')),
        orderForm(c.get('session'), providerNames(), values, errors),
      ),
    });

  app.get('/', (c) => {
    const now = clock();
    const status = c.req.query('status');
    if (status !== undefined && status !== '' && !isOrderStatus(status)) throw new ConsoleError('CONSOLE_FORM_INVALID', `status must be one of ${ORDER_STATUSES.join(', ')}`);
    const provider = c.req.query('provider');
    if (provider !== undefined && provider !== '' && !PROVIDER_NAME_PATTERN.test(provider)) throw new ConsoleError('CONSOLE_FORM_INVALID', 'provider is not a provider account name');
    const after = Number(c.req.query('after') ?? 0);
    if (!Number.isSafeInteger(after) || after < 0) throw new ConsoleError('CONSOLE_FORM_INVALID', 'after must be a whole number');
    const wanted = isOrderStatus(status) ? status : undefined;
    const only = provider === undefined || provider === '' ? undefined : provider;
    const { orders, next } = scan(after, now, wanted, only);
    const query = (extra: Record<string, string | undefined>) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries({ status: wanted, provider: only, ...extra })) if (value !== undefined) params.set(key, value);
      const text = params.toString();
      return `/console/orders${text === '' ? '' : `?${text}`}`;
    };
    const filters: Child = h(
      'nav',
      { 'aria-label': 'Orders by status', class: 'status-filter' },
      h(
        'ul',
        {},
        h('li', {}, h('a', { href: query({ status: undefined, after: undefined }), 'aria-current': wanted === undefined ? 'page' : undefined }, 'All')),
        ...ORDER_STATUSES.map((s) => h('li', {}, h('a', { href: query({ status: s }), 'aria-current': wanted === s ? 'page' : undefined }, STATUS_LABELS[s]))),
      ),
    );
    const caption = `${wanted === undefined ? 'Orders' : `Orders ${STATUS_LABELS[wanted].toLowerCase()}`}${only === undefined ? '' : ` of ${only}`}, oldest first`;
    return renderPage(c, {
      title: 'Orders',
      session: c.get('session'),
      current: '/orders',
      body: h(
        'div',
        {},
        h('div', { class: 'actions' }, h('a', { href: '/console/orders/new', class: 'button' }, 'Register an order')),
        filters,
        only === undefined ? null : h('p', {}, `Showing the orders of provider ${only}. `, h('a', { href: query({ provider: undefined }) }, 'Show every provider')),
        orders.length === 0 ? h('p', { class: 'notice' }, after > 0 ? 'No more orders here.' : 'No orders here.') : orderTable(orders, now, caption),
        next === null ? null : h('p', {}, h('a', { href: query({ after: String(next) }), rel: 'next' }, 'Next orders')),
      ),
    });
  });

  app.get('/new', (c) => {
    const now = clock();
    // A sensible start: in force from this hour, for 30 days.
    const hour = Math.floor(now / 3_600_000) * 3_600_000;
    return registerPage(c, { notBefore: utcInputOf(hour), notAfter: utcInputOf(hour + 30 * DAY) }, {}, 200);
  });

  app.post('/', async (c) => {
    const values = orderFormValues(await formOf(c));
    const checked = checkOrderForm(values);
    if (!checked.ok) return registerPage(c, values, checked.errors, 422);
    const session = c.get('session');
    let stored: StoredOrder;
    try {
      stored = registry.register(checked.value, session.name, clock());
    } catch (err) {
      const errors = refusalOnForm(err);
      if (errors === undefined) throw err;
      return registerPage(c, values, errors, 422);
    }
    session.flash = { kind: 'done', text: `Registered order ${stored.order.orderId} for ${stored.order.provider}; its registration is committed to in the log.` };
    return c.redirect('/console/orders', 303);
  });

  const endPage = (c: Context<ConsoleEnv>, stored: StoredOrder, reason: string, errors: { reason?: string; confirm?: string }, status: 200 | 422) => {
    const { order } = stored;
    return renderPage(c, {
      title: `End order ${order.orderId} early`,
      session: c.get('session'),
      current: '/orders',
      status,
      body: h(
        'div',
        {},
        h(
          'dl',
          { class: 'record' },
          h('dt', {}, 'Provider'),
          h('dd', {}, order.provider),
          h('dt', {}, 'Issued by'),
          h('dd', {}, `${order.issuingAuthority} (${stored.memberState ?? 'no Member State'})`),
          h('dt', {}, 'Legal reference'),
          h('dd', {}, order.legalReference),
          h('dt', {}, 'Window'),
          h('dd', {}, timeOf(order.notBefore), ' to ', timeOf(order.notAfter)),
          h('dt', {}, 'Status'),
          h('dd', {}, STATUS_LABELS[orderStatus(stored, clock())]),
        ),
        postForm(
          c.get('session'),
          `/console/orders/${encodeURIComponent(order.orderId)}/end`,
          { novalidate: true, 'data-confirm': `End order ${order.orderId} now? The provider stops scanning under it at its next sync; this cannot be undone.` },
          field({ name: 'reason', label: 'Reason for ending it early', value: reason, error: errors.reason, hint: 'Required, at most 256 characters; audited and committed to in the log', multiline: true, required: true, attributes: { maxlength: 256 } }),
          h(
            'div',
            { class: errors.confirm === undefined ? 'field' : 'field invalid' },
            h('label', {}, h('input', { type: 'checkbox', name: 'confirm', value: 'yes', required: true, 'aria-describedby': errors.confirm === undefined ? undefined : 'field-confirm-error' }), ' I confirm ending this order now; this cannot be undone'),
            errors.confirm === undefined ? null : h('p', { class: 'error', id: 'field-confirm-error' }, h('strong', {}, 'Error: '), errors.confirm),
          ),
          h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, 'End order early'), h('a', { href: '/console/orders' }, 'Cancel')),
        ),
      ),
    });
  };

  app.get('/:orderId/end', (c) => {
    const stored = orderNamed(c.req.param('orderId'));
    return endPage(c, stored, '', {}, 200);
  });

  app.post('/:orderId/end', async (c) => {
    const stored = orderNamed(c.req.param('orderId'));
    const form = await formOf(c);
    const typed = (form.get('reason') ?? '').slice(0, 4096);
    const checked = EndReasonSchema.safeParse(typed.trim());
    const confirmed = form.get('confirm') === 'yes';
    if (!checked.success || !confirmed) {
      return endPage(c, stored, typed, {
        ...(checked.success ? {} : { reason: 'give the reason for ending it early, in 1 to 256 characters' }),
        ...(confirmed ? {} : { confirm: 'tick the box to confirm ending the order now' }),
      }, 422);
    }
    const session = c.get('session');
    registry.end(stored.order.orderId, checked.data, session.name, clock());
    session.flash = { kind: 'done', text: `Ended order ${stored.order.orderId} early; the end is committed to in the log.` };
    return c.redirect('/console/orders?status=ended', 303);
  });

  /** A page of orders after `after`, oldest first, those of `status` only when given; `next` resumes where this one stopped. */
  function scan(after: number, now: number, status: OrderStatus | undefined, provider: string | undefined): { orders: StoredOrder[]; next: number | null } {
    const found: StoredOrder[] = [];
    let cursor = after;
    let scanned = 0;
    while (scanned < MAX_SCANNED) {
      const chunk = centre.orders.page(cursor, SCAN_CHUNK, provider).orders;
      for (const stored of chunk) {
        cursor = stored.number;
        scanned++;
        if (status === undefined || orderStatus(stored, now) === status) found.push(stored);
        if (found.length === PAGE_SIZE) return { orders: found, next: cursor };
      }
      if (chunk.length < SCAN_CHUNK) return { orders: found, next: null };
    }
    // Many rows of other statuses: stop here and let the next link read on.
    return { orders: found, next: cursor };
  }

  function orderNamed(orderId: string): StoredOrder {
    const stored = ORDER_ID_PATTERN.test(orderId) ? centre.orders.get(orderId) : undefined;
    if (stored === undefined) throw new ConsoleError('CONSOLE_NOT_FOUND', 'there is no such order');
    return stored;
  }

  return app;
}
