import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { afterId, epochMs, nextCursor, pageLimit } from '../http/schemas.ts';
import type { RouteDeps } from './deps.ts';

const AuditEntry = z
  .object({ id: z.number().int(), at: epochMs, actor: z.string(), action: z.string(), subject: z.string().nullable(), detail: z.unknown().openapi({ description: 'What the action recorded (JSON), or null' }) })
  .openapi('AuditEntry');

const PAGE = defineRoute({
  method: 'get',
  path: '/',
  summary: 'The audit trail, oldest first',
  access: ['admin'],
  query: z.object({ after: afterId, limit: pageLimit(1000, 100) }),
  responses: { 200: { description: 'A page of entries', content: { 'application/json': { schema: z.object({ entries: z.array(AuditEntry), next: nextCursor }) } } } },
});

/** Admin: the audit trail, oldest first, paged by id (mounted at /v1/audit). */
export function auditRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const api = new ApiRouter(deps, 'audit');

  api.handle(PAGE, (c, { query }) => {
    const entries = deps.centre.audit.page(query.after, query.limit);
    return c.json({ entries, next: entries.length === query.limit ? entries[entries.length - 1]?.id : null });
  });

  return api.app;
}
