import { orderPhaseAt } from '../../../../shared/policy/order-terms.ts';
import type { Centre } from '../../../centre.ts';
import type { Account } from '../../../store/accounts.ts';
import { h, timeOf, type Child } from '../../html.ts';

/** Order ids shown per provider; the rest are a link away on the orders page. */
const MAX_IDS_SHOWN = 10;

const ordersLink = (provider: string, status: 'active' | 'scheduled'): string => `/console/orders?${new URLSearchParams({ status, provider }).toString()}`;

/** The feed access of a provider now, from the entitlement engine (docs/SAFEGUARDS.md, "Access to the indicators"), in words. */
function feedAccess(centre: Centre, account: Account, now: number): Child {
  const entitlement = centre.entitlement.of(account, now);
  if (entitlement.entitled) {
    return h('span', {}, h('strong', {}, 'Entitled'), centre.entitlement.policy === 'account' ? ' (basis: its account)' : [' (basis: order ', h('code', {}, entitlement.basis), ')']);
  }
  return h('span', {}, h('strong', {}, 'Not entitled'), entitlement.reason === 'NO_ACTIVE_ORDER' ? ' (no order in force)' : ' (account disabled)');
}

/** One row per provider account: enabled or not, its orders in force, its feed access, its encryption keys. */
export function providerTable(centre: Centre, providers: readonly Account[], now: number): Child {
  const header = ['Provider', 'Account', 'Orders in force', 'Feed access', 'Encryption keys'];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'providers' },
      h('caption', {}, 'Provider accounts'),
      h('thead', {}, h('tr', {}, ...header.map((cell) => h('th', { scope: 'col' }, cell)))),
      h(
        'tbody',
        {},
        ...providers.map((account) => {
          // liveFor is bounded by what one signed list may hold (MAX_ORDERS_PER_LIST).
          const live = centre.orders.liveFor(account.id, now);
          const inForce = live.filter((order) => orderPhaseAt(order, now) === 'active');
          const scheduled = live.length - inForce.length;
          const keys = centre.encryptionKeys.of(account.id);
          const active = keys.filter((k) => k.status === 'active').length;
          return h(
            'tr',
            { 'data-provider': account.name },
            h('th', { scope: 'row' }, account.name),
            h('td', {}, account.disabledAt === null ? 'Enabled' : ['Disabled since ', timeOf(account.disabledAt)]),
            h(
              'td',
              {},
              h('a', { href: ordersLink(account.name, 'active'), 'aria-label': `${inForce.length} orders in force for ${account.name}` }, `${inForce.length} in force`),
              inForce.length === 0
                ? null
                : h('ul', { class: 'ids' }, ...inForce.slice(0, MAX_IDS_SHOWN).map((order) => h('li', {}, h('code', {}, order.orderId)))),
              inForce.length > MAX_IDS_SHOWN ? h('p', {}, `and ${inForce.length - MAX_IDS_SHOWN} more`) : null,
              scheduled === 0 ? null : h('p', {}, h('a', { href: ordersLink(account.name, 'scheduled') }, `${scheduled} not yet in force`)),
            ),
            h('td', {}, feedAccess(centre, account, now)),
            h('td', {}, `${keys.length} registered, ${active} active`),
          );
        }),
      ),
    ),
  );
}
