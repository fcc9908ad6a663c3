import { Hono } from 'hono';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/auth.ts';
import { intParam } from '../http/body.ts';
import type { RouteDeps } from './deps.ts';

/** Admin: revoking a token by its id (mounted at /v1/tokens); tokens are issued under /v1/accounts. */
export function tokenRoutes({ centre, clock, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const admin = guard('admin');

  app.post('/:id/revoke', admin, (c) => {
    const tokenId = intParam(c.req.param('id'), 'id', { min: 1 });
    const actor = c.get('principal').account.name;
    const revoked = centre.write(() => {
      const done = centre.accounts.revokeToken(tokenId, clock());
      if (done) centre.audit.record(clock(), actor, 'token.revoke', String(tokenId));
      return done;
    });
    if (!revoked) throw new ApiError(404, 'NOT_FOUND', `token ${tokenId} does not exist or is already revoked`);
    return c.json({ tokenId, revoked: true });
  });

  return app;
}
