import type { OpenAPIHono } from '@hono/zod-openapi';
import { encodeEnvelope, signEnvelope } from '../../shared/crypto/index.ts';
import { ACCESS_PAYLOAD_TYPE, encodeAccessList } from '../../shared/seal/index.ts';
import { KEY_PURPOSES } from '../../shared/trust/index.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { bodyBytes, MSGPACK } from '../http/responses.ts';
import { mediaResponse } from '../http/schemas.ts';
import type { RouteDeps } from './deps.ts';

const ACCESS = defineRoute({
  method: 'get',
  path: '/',
  summary: "The caller's access list: its epoch keys, each wrapped for one of its encryption keys, signed and freshly dated",
  description:
    'Entitled providers get the current epoch\'s key and every earlier one (of the last 64) they already received, wrapped for each active encryption key; others get no keys and the reason. Every answer is recorded in the access log (docs/PROTOCOL.md 13.4).',
  access: ['provider'],
  responses: { 200: mediaResponse('A signed hashfeed/access/v1 envelope (msgpack); never cached', MSGPACK) },
});

/** The access list (docs/PROTOCOL.md 13.4; mounted at /v1/feed/access): from the Centre only, a mirror never serves it. */
export function feedAccessRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'feed');

  api.handle(ACCESS, async (c) => {
    const account = c.get('principal').account;
    const now = clock();
    // HPKE wraps are made (outside any transaction) before the list is signed; the same stored wraps come back next time.
    const list = await centre.wraps.accessList(account, now);
    // Signed fresh on every request, like the order list: issuedAt = now lets the sidecar refuse an older list (rollback).
    const envelope = encodeEnvelope(signEnvelope(ACCESS_PAYLOAD_TYPE, encodeAccessList(list), [centre.keyring.signerFor(KEY_PURPOSES.providerList, now)]));
    return c.body(bodyBytes(envelope), 200, { 'content-type': MSGPACK, 'cache-control': 'private, no-store' });
  });

  return api.app;
}
