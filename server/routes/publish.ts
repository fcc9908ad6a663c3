import { Hono } from 'hono';
import type { AppEnv } from '../http/auth.ts';
import type { RouteDeps } from './deps.ts';

/** Operators publish version N+1 from everything approved and every pending removal. */
export function publishRoutes({ centre, clock, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/', guard('operator'), (c) => c.json(centre.publisher.publish(c.get('principal').account.name, clock()), 201));
  return app;
}
