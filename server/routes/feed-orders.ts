import type { OpenAPIHono } from '@hono/zod-openapi';
import { encodeEnvelope, signEnvelope } from '../../shared/crypto/index.ts';
import { KEY_PURPOSES } from '../../shared/trust/index.ts';
import { encodeOrderList, ORDERS_PAYLOAD_TYPE } from '../../shared/wire/order.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { bodyBytes, MSGPACK } from '../http/responses.ts';
import { mediaResponse } from '../http/schemas.ts';
import type { RouteDeps } from './deps.ts';

const LIST = defineRoute({
  method: 'get',
  path: '/',
  summary: "The caller's own live detection orders, signed and freshly dated",
  access: ['provider'],
  responses: { 200: mediaResponse('A signed order list envelope (msgpack); never cached', MSGPACK) },
});

/**
 * A provider's own live detection orders, as a list signed like the feed
 * (docs/PROTOCOL.md, "Detection orders"; mounted at /v1/feed/orders).
 */
export function feedOrderRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'feed');
  const { orders } = centre;

  api.handle(LIST, (c) => {
    const provider = c.get('principal').account;
    const now = clock();
    // Signed fresh on every request: issuedAt = now lets the sidecar refuse an older list (rollback).
    const payload = encodeOrderList({ provider: provider.name, issuedAt: now, orders: orders.liveFor(provider.id, now) });
    const envelope = encodeEnvelope(signEnvelope(ORDERS_PAYLOAD_TYPE, payload, [centre.keyring.signerFor(KEY_PURPOSES.providerList, now)]));
    // Targets are personal data for this provider alone: no shared cache may keep them.
    return c.body(bodyBytes(envelope), 200, { 'content-type': MSGPACK, 'cache-control': 'private, no-store' });
  });

  return api.app;
}
