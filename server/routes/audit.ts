import { Hono } from 'hono';
import type { AppEnv } from '../http/auth.ts';
import { intParam } from '../http/body.ts';
import type { RouteDeps } from './deps.ts';

/** Admin: the audit trail, oldest first, paged by id (mounted at /v1/audit). */
export function auditRoutes({ centre, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const admin = guard('admin');

  app.get('/', admin, (c) => {
    const after = intParam(c.req.query('after'), 'after', { fallback: 0 });
    const limit = Math.min(1000, intParam(c.req.query('limit'), 'limit', { min: 1, fallback: 100 }));
    const entries = centre.audit.page(after, limit);
    return c.json({ entries, next: entries.length === limit ? entries[entries.length - 1]?.id : null });
  });

  return app;
}
