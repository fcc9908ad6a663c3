import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { IndicatorApprovals } from '../publish/approvals.ts';
import { integerText } from '../http/schemas.ts';
import type { RouteDeps } from './deps.ts';

const APPROVE = defineRoute({
  method: 'post',
  path: '/:id/approve',
  summary: 'Approve every indicator of a submitted batch',
  access: ['operator'],
  params: z.object({ id: integerText('id', 1) }),
  responses: { 200: { description: 'Approved', content: { 'application/json': { schema: z.object({ batchId: z.number().int(), approved: z.number().int() }) } } } },
  errors: { 404: ['NOT_FOUND'] },
});

/** Operators approve a whole submitted batch at once (mounted at /v1/batches). */
export function batchRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'indicators');
  const approvals = new IndicatorApprovals(centre);

  api.handle(APPROVE, (c, { params }) => {
    const batchId = params.id;
    return c.json({ batchId, approved: approvals.approveBatch(batchId, c.get('principal').account, clock()) });
  });

  return api.app;
}
