import { CodedError } from '../../shared/errors.ts';
import { encodeOrderList, MAX_ORDER_LIST_BYTES, MAX_ORDERS_PER_LIST, parseDetectionOrder } from '../../shared/wire/order.ts';
import type { Centre } from '../centre.ts';
import { ApiError } from '../http/api-error.ts';
import type { StoredOrder } from '../store/orders.ts';
import type { OrderRegistration } from './order-body.ts';

/** Refusals specific to registering an order (HTTP 400 with the code). */
export type OrderCode = 'ORDER_UNKNOWN_PROVIDER' | 'ORDER_ALREADY_LAPSED' | 'ORDER_LIMIT_REACHED';
export class OrderError extends CodedError<OrderCode> {}

/**
 * Registering a detection order a court has validated, and ending one
 * early: the one place either happens, for POST /v1/orders and the
 * console alike. Each is audited and committed to in the transparency log
 * in the same transaction (docs/PROTOCOL.md 10.4).
 */
export class OrderRegistry {
  readonly #centre: Centre;

  constructor(centre: Centre) {
    this.#centre = centre;
  }

  /** Registers `body` (already checked by OrderBody); WireError for what only the wire guard can say. */
  register(body: OrderRegistration, actor: string, now: number): StoredOrder {
    const centre = this.#centre;
    const { orders } = centre;
    const { memberState: given, ...fields } = body;
    const memberState = given ?? null;
    // The wire guard still builds the model: it checks what the schema cannot say (distinct entries, notAfter after notBefore).
    const order = parseDetectionOrder(fields);
    if (order.notAfter <= now) throw new OrderError('ORDER_ALREADY_LAPSED', `order ${order.orderId} has already lapsed (notAfter is not in the future)`);
    return centre.write(() => {
      const provider = centre.accounts.byName(order.provider);
      if (provider === undefined || provider.role !== 'provider' || provider.disabledAt !== null) {
        throw new OrderError('ORDER_UNKNOWN_PROVIDER', `'${order.provider}' is not an enabled provider account`);
      }
      if (orders.get(order.orderId) !== undefined) throw new ApiError(409, 'CONFLICT', `order ${order.orderId} already exists`);
      // The provider's signed list must stay within what a client accepts.
      const live = [...orders.liveFor(provider.id, now), order];
      if (live.length > MAX_ORDERS_PER_LIST || encodeOrderList({ provider: provider.name, issuedAt: now, orders: live }).byteLength > MAX_ORDER_LIST_BYTES) {
        throw new OrderError('ORDER_LIMIT_REACHED', `provider '${provider.name}' has too many live orders or targets for one signed list`);
      }
      const created = orders.insert(order, provider.id, actor, now, memberState);
      // Targets identify people: the audit trail counts them, the order row keeps them.
      centre.audit.record(now, actor, 'order.register', `order:${order.orderId}`, {
        provider: order.provider,
        issuingAuthority: order.issuingAuthority,
        memberState,
        legalReference: order.legalReference,
        surfaces: order.surfaces,
        targets: { users: order.targets.users.length, groups: order.targets.groups.length, channels: order.targets.channels.length },
        notBefore: order.notBefore,
        notAfter: order.notAfter,
      });
      // In this transaction: no order is ever registered without its leaf in the public log (PROTOCOL 10.4).
      centre.orderCommitments.register(created, now);
      return created;
    });
  }

  /** Ends the order early: 404 NOT_FOUND when it does not exist, 409 CONFLICT when it already has been. */
  end(orderId: string, reason: string | undefined, actor: string, now: number): StoredOrder {
    const centre = this.#centre;
    const { orders } = centre;
    const stored = centre.write(() => {
      const current = orders.get(orderId);
      if (current === undefined) throw new ApiError(404, 'NOT_FOUND', `order ${orderId} does not exist`);
      if (!orders.end(orderId, actor, now)) throw new ApiError(409, 'CONFLICT', `order ${orderId} has already been ended`);
      centre.audit.record(now, actor, 'order.end', `order:${orderId}`, { provider: current.order.provider, ...(reason === undefined ? {} : { reason }) });
      centre.orderCommitments.end(current, { orderId, endedAt: now, reason: reason ?? null }, now);
      return orders.get(orderId);
    });
    if (stored === undefined) throw new Error('unreachable: an ended order vanished');
    return stored;
  }
}
