import type { OrderStatus, StoredOrder } from '../../../store/orders.ts';
import { orderStatus } from '../../../store/orders.ts';
import { h, timeOf, type Child } from '../../html.ts';

/** The statuses of GET /v1/orders, in the words a person filters by. */
export const STATUS_LABELS: Readonly<Record<OrderStatus, string>> = {
  active: 'In force',
  scheduled: 'Not yet in force',
  ended: 'Ended early',
  lapsed: 'Expired',
};
export const ORDER_STATUSES = ['active', 'scheduled', 'ended', 'lapsed'] as const satisfies readonly OrderStatus[];
export const isOrderStatus = (value: string | undefined): value is OrderStatus => ORDER_STATUSES.some((s) => s === value);

const countOf = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** A page of orders: each with its terms, targets as counts only, its status in words, and how to end it while it is live. */
export function orderTable(orders: readonly StoredOrder[], now: number, caption: string): Child {
  const header = ['Order', 'Status', 'Provider', 'Issued by', 'Window (UTC)', 'Legal reference', 'Surfaces', 'Targets', 'Action'];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'orders' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, ...header.map((cell) => h('th', { scope: 'col' }, cell)))),
      h(
        'tbody',
        {},
        ...orders.map((stored) => {
          const { order } = stored;
          const status = orderStatus(stored, now);
          const live = status === 'active' || status === 'scheduled';
          return h(
            'tr',
            { 'data-order': order.orderId },
            h('th', { scope: 'row' }, h('code', {}, order.orderId)),
            h(
              'td',
              {},
              h('span', { class: `badge status-${status}` }, STATUS_LABELS[status]),
              stored.endedAt === null ? null : h('span', { class: 'ended' }, ' on ', timeOf(stored.endedAt), ` by ${stored.endedBy ?? 'unknown'}`),
            ),
            h('td', {}, order.provider),
            h('td', {}, order.issuingAuthority, h('br', {}), stored.memberState === null ? 'Member State: none (Europol alone)' : `Member State: ${stored.memberState}`),
            h('td', {}, timeOf(order.notBefore), ' to', h('br', {}), timeOf(order.notAfter)),
            h('td', {}, order.legalReference),
            h('td', {}, order.surfaces.join(', ')),
            h(
              'td',
              {},
              [
                countOf(order.targets.users.length, 'user', 'users'),
                countOf(order.targets.groups.length, 'group', 'groups'),
                countOf(order.targets.channels.length, 'channel', 'channels'),
              ].join(', '),
            ),
            h(
              'td',
              {},
              live ? h('a', { href: `/console/orders/${encodeURIComponent(order.orderId)}/end`, 'aria-label': `End order ${order.orderId} early` }, 'End early') : '—',
            ),
          );
        }),
      ),
    ),
  );
}
