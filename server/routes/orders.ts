import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { CodedError } from '../../shared/errors.ts';
import {
  detectionOrderFields,
  encodeOrderList,
  LEGAL_TEXT_PATTERN,
  MAX_ORDER_LIST_BYTES,
  MAX_ORDER_SURFACES,
  MAX_ORDER_TARGETS,
  MAX_ORDERS_PER_LIST,
  ORDER_ID_PATTERN,
  parseDetectionOrder,
  PROVIDER_NAME_PATTERN,
  SURFACE_ID_PATTERN,
} from '../../shared/wire/order.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { SUBJECT_ID_PATTERN } from '../../shared/wire/subject.ts';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { failureMessage, isMissing, type SchemaFailure } from '../http/schema-failure.ts';
import { afterId, epochMs, nextCursor, pageLimit } from '../http/schemas.ts';
import { isMemberState } from '../store/member-states.ts';
import { orderStatus, type StoredOrder } from '../store/orders.ts';
import type { RouteDeps } from './deps.ts';

/** Refusals specific to registering an order (HTTP 400 with the code). */
export type OrderCode = 'ORDER_UNKNOWN_PROVIDER' | 'ORDER_ALREADY_LAPSED' | 'ORDER_LIMIT_REACHED';
export class OrderError extends CodedError<OrderCode> {}

const MEMBER_STATE_MESSAGE = 'memberState must be an assigned ISO 3166-1 alpha-2 code in capitals (DE, FR, ...)';
// The pattern restated: the generator would print a flagged regex (/.../u) with its flags inside the pattern.
const text = (max: number, pattern: RegExp) => z.string().min(1).max(max).regex(pattern).openapi({ pattern: pattern.source });
const subjects = z.array(text(128, SUBJECT_ID_PATTERN)).max(MAX_ORDER_TARGETS);

/** The fields of a detection order (shared/wire/order.ts), as the signed list carries them. */
const DetectionOrder = z.object({
  orderId: text(128, ORDER_ID_PATTERN),
  issuingAuthority: text(256, LEGAL_TEXT_PATTERN),
  legalReference: text(256, LEGAL_TEXT_PATTERN),
  provider: text(64, PROVIDER_NAME_PATTERN),
  surfaces: z.array(text(64, SURFACE_ID_PATTERN)).min(1).max(MAX_ORDER_SURFACES).openapi({ description: 'Distinct surface ids' }),
  targets: z
    .strictObject({ users: subjects, groups: subjects, channels: subjects })
    .openapi({ description: `Distinct subject ids; at least one and at most ${MAX_ORDER_TARGETS} in all` }),
  notBefore: epochMs.min(0),
  notAfter: epochMs.min(0).openapi({ description: 'After notBefore, at most 731 days later, and in the future' }),
});

/**
 * An order to register: the order's own fields, strictly, plus its issuing
 * Member State beside them. A schema failure keeps the codes of the wire
 * guard that checked the body before (WIRE_MISSING_FIELD, WIRE_UNKNOWN_FIELD,
 * WIRE_BAD_FIELD), and a bad memberState stays BAD_REQUEST.
 */
const OrderBody = DetectionOrder.extend({
  memberState: z
    .string()
    .refine(isMemberState)
    .openapi({ description: 'The issuing Member State (ISO 3166-1 alpha-2): routes forwarded reports; without it they go to Europol alone', example: 'DE' })
    .optional(),
}).strict();

function orderRefusal(failure: SchemaFailure): Error {
  if (failure.issues.some((issue) => issue.path[0] === 'memberState')) return new ApiError(400, 'BAD_REQUEST', MEMBER_STATE_MESSAGE);
  const issue = failure.issues[0];
  const message = `order: ${failureMessage(failure)}`;
  if (issue?.code === 'unrecognized_keys') return new WireError('WIRE_UNKNOWN_FIELD', message);
  if (issue !== undefined && issue.path.length > 0 && isMissing(failure, issue)) return new WireError('WIRE_MISSING_FIELD', message);
  return new WireError('WIRE_BAD_FIELD', message);
}

const Order = DetectionOrder.extend({
  memberState: z.string().nullable(),
  status: z.enum(['scheduled', 'active', 'lapsed', 'ended']),
  createdAt: epochMs,
  createdBy: z.string(),
  endedAt: epochMs.nullable(),
  endedBy: z.string().nullable(),
}).openapi('Order');

const orderAnswer = (description: string) => ({ description, content: { 'application/json': { schema: z.object({ order: Order }) } } });

const REGISTER = defineRoute({
  method: 'post',
  path: '/',
  summary: 'Register a detection order a court has validated',
  access: ['operator'],
  body: OrderBody,
  refuse: orderRefusal,
  responses: { 201: orderAnswer('Registered') },
  errors: {
    400: ['WIRE_MISSING_FIELD', 'WIRE_UNKNOWN_FIELD', 'WIRE_BAD_FIELD', 'ORDER_UNKNOWN_PROVIDER', 'ORDER_ALREADY_LAPSED', 'ORDER_LIMIT_REACHED'],
    409: ['CONFLICT'],
  },
});

const END = defineRoute({
  method: 'post',
  path: '/:orderId/end',
  summary: 'End an order early',
  access: ['operator'],
  params: z.object({ orderId: text(128, ORDER_ID_PATTERN) }),
  body: z.strictObject({ reason: z.string().min(1).max(256, { error: 'reason must be a string of 1 to 256 characters' }).optional() }),
  bodyOptional: true,
  refuse: (failure) =>
    failure.part === 'params' ? new ApiError(404, 'NOT_FOUND', 'no such order') : new ApiError(400, 'BAD_REQUEST', failureMessage(failure)),
  responses: { 200: orderAnswer('Ended') },
  errors: { 400: ['BAD_REQUEST'], 404: ['NOT_FOUND'], 409: ['CONFLICT'] },
});

const LIST = defineRoute({
  method: 'get',
  path: '/',
  summary: 'List orders, oldest first',
  access: ['operator'],
  query: z.object({ after: afterId, limit: pageLimit(1000, 100), provider: z.string().optional() }),
  responses: { 200: { description: 'A page of orders', content: { 'application/json': { schema: z.object({ orders: z.array(Order), next: nextCursor }) } } } },
});

/**
 * Detection orders: operators register them (after a court has validated
 * them) and may end them early (mounted at /v1/orders). Providers fetch
 * their own live orders from feed-orders.ts.
 */
export function orderRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'orders');
  const { orders } = centre;

  api.handle(REGISTER, (c, { body }) => {
    const { memberState: given, ...fields } = body;
    const memberState = given ?? null;
    // The wire guard still builds the model: it checks what the schema cannot say (distinct entries, notAfter after notBefore).
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
      // In this transaction: no order is ever registered without its leaf in the public log (PROTOCOL 10.4).
      centre.orderCommitments.register(created, now);
      return created;
    });
    return c.json({ order: view(stored, now) }, 201);
  });

  api.handle(END, (c, { params, body }) => {
    const { orderId } = params;
    const { reason } = body;
    const actor = c.get('principal').account.name;
    const now = clock();
    const stored = centre.write(() => {
      const current = orders.get(orderId);
      if (current === undefined) throw new ApiError(404, 'NOT_FOUND', `order ${orderId} does not exist`);
      if (!orders.end(orderId, actor, now)) throw new ApiError(409, 'CONFLICT', `order ${orderId} has already been ended`);
      centre.audit.record(now, actor, 'order.end', `order:${orderId}`, { provider: current.order.provider, ...(reason === undefined ? {} : { reason }) });
      centre.orderCommitments.end(current, { orderId, endedAt: now, reason: reason ?? null }, now);
      return orders.get(orderId);
    });
    if (stored === undefined) throw new Error('unreachable: an ended order vanished');
    return c.json({ order: view(stored, now) });
  });

  api.handle(LIST, (c, { query }) => {
    const { after, limit } = query;
    const now = clock();
    const page = orders.page(after, limit, query.provider);
    return c.json({ orders: page.orders.map((o) => view(o, now)), next: page.orders.length === limit ? page.last : null });
  });

  return api.app;
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
