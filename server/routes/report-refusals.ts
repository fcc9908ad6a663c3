import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { epochMs } from '../http/schemas.ts';
import type { RouteDeps } from './deps.ts';

const COUNTS = defineRoute({
  method: 'get',
  path: '/',
  summary: 'Refused reports counted per provider and code',
  access: ['operator'],
  responses: {
    200: {
      description: 'The counts',
      content: {
        'application/json': {
          schema: z.object({ refusals: z.array(z.object({ provider: z.string(), code: z.string(), count: z.number().int(), firstAt: epochMs, lastAt: epochMs })) }),
        },
      },
    },
  },
});

/**
 * Refused reports counted per provider and code, for operators only: a
 * provider that files reports at all is acting under a detection order, and
 * which providers are is not public (docs/API.md, "GET /v1/reports/refusals").
 */
export function reportRefusalRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const api = new ApiRouter(deps, 'reports');
  api.handle(COUNTS, (c) => c.json({ refusals: deps.centre.reportRefusals.counts() }));
  return api.app;
}
