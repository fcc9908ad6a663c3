import { Hono } from 'hono';
import { CodedError } from '../../shared/errors.ts';
import {
  detectionOrderFields,
  encodeOrderList,
  MAX_ORDER_LIST_BYTES,
  MAX_ORDERS_PER_LIST,
  ORDER_ID_PATTERN,
  parseDetectionOrder,
} from '../../shared/wire/order.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/auth.ts';
import { intParam, objectBody, readJson } from '../http/body.ts';
import { isMemberState } from '../store/member-states.ts';
import { orderStatus, type StoredOrder } from '../store/orders.ts';
import type { RouteDeps } from './deps.ts';

/** Refusals specific to registering an order (HTTP 400 with the code). */
export type OrderCode = 'ORDER_UNKNOWN_PROVIDER' | 'ORDER_ALREADY_LAPSED' | 'ORDER_LIMIT_REACHED';
export class OrderError extends CodedError<OrderCode> {}

/**
 * Detection orders: operators register them (after a court has validated
 * them) and may end them early (mounted at /v1/orders). Providers fetch
 * their own live orders from feed-orders.ts.
 */
export function orderRoutes({ centre, clock, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const operator = guard('operator');
  const { orders } = centre;

  app.post('/', operator, async (c) => {
    const { fields, memberState } = splitMemberState(await readJson(c));
    const order = parseDetectionOrder(fields);
    const actor = c.get('principal').account.name;
    const now = clock();
    if (order.notAfter <= now) throw new OrderError('ORDER_ALREADY_LAPSED', `order ${order.orderId} has already lapsed (notAfter is not in the future)`);
    const stored = centre.write(() => {
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
      return created;
    });
    return c.json({ order: view(stored, now) }, 201);
  });

  app.post('/:orderId/end', operator, async (c) => {
    const orderId = orderIdParam(c.req.param('orderId'));
    const { reason } = objectBody((await readJson(c)) ?? {}, ['reason']);
    if (reason !== undefined && (typeof reason !== 'string' || reason.length === 0 || reason.length > 256)) {
      throw new ApiError(400, 'BAD_REQUEST', 'reason must be a string of 1 to 256 characters');
    }
    const actor = c.get('principal').account.name;
    const now = clock();
    const stored = centre.write(() => {
      const current = orders.get(orderId);
      if (current === undefined) throw new ApiError(404, 'NOT_FOUND', `order ${orderId} does not exist`);
      if (!orders.end(orderId, actor, now)) throw new ApiError(409, 'CONFLICT', `order ${orderId} has already been ended`);
      centre.audit.record(now, actor, 'order.end', `order:${orderId}`, { provider: current.order.provider, ...(reason === undefined ? {} : { reason }) });
      return orders.get(orderId);
    });
    if (stored === undefined) throw new Error('unreachable: an ended order vanished');
    return c.json({ order: view(stored, now) });
  });

  app.get('/', operator, (c) => {
    const after = intParam(c.req.query('after'), 'after', { fallback: 0 });
    const limit = Math.min(1000, intParam(c.req.query('limit'), 'limit', { min: 1, fallback: 100 }));
    const now = clock();
    const page = orders.page(after, limit, c.req.query('provider'));
    return c.json({ orders: page.orders.map((o) => view(o, now)), next: page.orders.length === limit ? page.last : null });
  });

  return app;
}

/**
 * `memberState` rides beside the order's own fields: the issuing Member
 * State routes forwarded reports (server/review/routing.ts) but is not part
 * of the signed order a provider receives. Optional, so callers from before
 * keep working; an order without it routes its reports to Europol alone.
 */
function splitMemberState(body: unknown): { fields: unknown; memberState: string | null } {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.hasOwn(body, 'memberState')) return { fields: body, memberState: null };
  const memberState: unknown = Reflect.get(body, 'memberState');
  if (!isMemberState(memberState)) throw new ApiError(400, 'BAD_REQUEST', 'memberState must be an assigned ISO 3166-1 alpha-2 code in capitals (DE, FR, ...)');
  return { fields: Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'memberState')), memberState };
}

function orderIdParam(raw: string): string {
  if (!ORDER_ID_PATTERN.test(raw)) throw new ApiError(404, 'NOT_FOUND', 'no such order');
  return raw;
}

/** The operator's JSON view: the order's own fields, then who registered or ended it and its status now. */
function view(stored: StoredOrder, now: number) {
  return {
    ...detectionOrderFields(stored.order),
    memberState: stored.memberState,
    status: orderStatus(stored, now),
    createdAt: stored.createdAt,
    createdBy: stored.createdBy,
    endedAt: stored.endedAt,
    endedBy: stored.endedBy,
  };
}
