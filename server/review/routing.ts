import type { ForwardingRecipient } from '../../shared/wire/forwarding-record.ts';
import type { Account } from '../store/accounts.ts';

/** What routing reads of the Centre's accounts (AccountStore). */
export interface RecipientDirectory {
  authoritiesOf(memberState: string): Account[];
  withRole(role: 'europol'): Account[];
}

/** Where a forwarded report comes from, as routing needs it. */
export interface RoutingFacts {
  /** The issuing Member State of the order the report cites; null when the order has none. */
  readonly orderMemberState: string | null;
  /**
   * The provider's Member State of establishment. Providers carry no such
   * field yet: always null today; a later field plugs in here.
   */
  readonly providerMemberState: string | null;
}

/**
 * THE routing rule (docs/API.md, "Routing"), in one place:
 *
 * 1. The competent Member States are the cited order's issuing Member State
 *    and, where known, the provider's Member State of establishment.
 * 2. A forwarded report goes to every enabled authority account of each
 *    competent Member State, and to every enabled Europol account.
 * 3. Where no competent Member State can be determined (the order has none),
 *    or none of them has an authority account, it goes to Europol alone.
 *
 * Returns the recipients in a stable order: authorities by Member State and
 * account id, then Europol. Empty only when there is no Europol account
 * and no competent authority: the caller refuses to forward into nothing.
 */
export function recipientsFor(facts: RoutingFacts, directory: RecipientDirectory): ForwardingRecipient[] {
  const states = [...new Set([facts.orderMemberState, facts.providerMemberState].filter((s): s is string => s !== null))].sort();
  const authorities = states.flatMap((state) =>
    directory.authoritiesOf(state).map((a): ForwardingRecipient => ({ account: a.name, role: 'authority', memberState: state })),
  );
  const europol = directory.withRole('europol').map((a): ForwardingRecipient => ({ account: a.name, role: 'europol', memberState: null }));
  return [...authorities, ...europol];
}
