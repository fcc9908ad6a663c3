import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { detectionOrderFields } from '../../shared/wire/order.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { failureMessage, isMissing, type SchemaFailure } from '../http/schema-failure.ts';
import { afterId, epochMs, nextCursor, pageLimit } from '../http/schemas.ts';
import { DetectionOrderSchema, EndReasonSchema, MEMBER_STATE_MESSAGE, OrderBody, OrderIdSchema } from '../orders/order-body.ts';
import { OrderRegistry } from '../orders/order-registry.ts';
import { orderStatus, type StoredOrder } from '../store/orders.ts';
import type { RouteDeps } from './deps.ts';

/**
 * The body's schema (server/orders/order-body.ts, shared with the console).
 * A schema failure keeps the codes of the wire guard that checked the body
 * before (WIRE_MISSING_FIELD, WIRE_UNKNOWN_FIELD, WIRE_BAD_FIELD), and a
 * bad memberState stays BAD_REQUEST.
 */
function orderRefusal(failure: SchemaFailure): Error {
  if (failure.issues.some((issue) => issue.path[0] === 'memberState')) return new ApiError(400, 'BAD_REQUEST', MEMBER_STATE_MESSAGE);
  const issue = failure.issues[0];
  const message = `order: ${failureMessage(failure)}`;
  if (issue?.code === 'unrecognized_keys') return new WireError('WIRE_UNKNOWN_FIELD', message);
  if (issue !== undefined && issue.path.length > 0 && isMissing(failure, issue)) return new WireError('WIRE_MISSING_FIELD', message);
  return new WireError('WIRE_BAD_FIELD', message);
}

const Order = DetectionOrderSchema.extend({
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
  params: z.object({ orderId: OrderIdSchema }),
  body: z.strictObject({ reason: EndReasonSchema.optional() }),
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
  const registry = new OrderRegistry(centre);

  api.handle(REGISTER, (c, { body }) => {
    const now = clock();
    const stored = registry.register(body, c.get('principal').account.name, now);
    return c.json({ order: view(stored, now) }, 201);
  });

  api.handle(END, (c, { params, body }) => {
    const now = clock();
    const stored = registry.end(params.orderId, body.reason, c.get('principal').account.name, now);
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
