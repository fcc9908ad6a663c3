import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { integerText } from '../http/schemas.ts';
import type { RouteDeps } from './deps.ts';

const REVOKE = defineRoute({
  method: 'post',
  path: '/:id/revoke',
  summary: 'Revoke a token by its id',
  access: ['admin'],
  params: z.object({ id: integerText('id', 1) }),
  responses: { 200: { description: 'Revoked', content: { 'application/json': { schema: z.object({ tokenId: z.number().int(), revoked: z.literal(true) }) } } } },
  errors: { 404: ['NOT_FOUND'] },
});

/** Admin: revoking a token by its id (mounted at /v1/tokens); tokens are issued under /v1/accounts. */
export function tokenRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'accounts');

  api.handle(REVOKE, (c, { params }) => {
    const tokenId = params.id;
    const actor = c.get('principal').account.name;
    const revoked = centre.write(() => {
      const done = centre.accounts.revokeToken(tokenId, clock());
      if (done) centre.audit.record(clock(), actor, 'token.revoke', String(tokenId));
      return done;
    });
    if (!revoked) throw new ApiError(404, 'NOT_FOUND', `token ${tokenId} does not exist or is already revoked`);
    return c.json({ tokenId, revoked: true });
  });

  return api.app;
}
