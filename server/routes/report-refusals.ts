import { Hono } from 'hono';
import type { AppEnv } from '../http/auth.ts';
import type { RouteDeps } from './deps.ts';

/**
 * Refused reports counted per provider and code, for operators only: a
 * provider that files reports at all is acting under a detection order, and
 * which providers are is not public (docs/API.md, "GET /v1/reports/refusals").
 */
export function reportRefusalRoutes({ centre, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', guard('operator'), (c) => c.json({ refusals: centre.reportRefusals.counts() }));
  return app;
}
