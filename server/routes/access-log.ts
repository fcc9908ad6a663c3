import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { PROVIDER_NAME_PATTERN } from '../../shared/wire/order.ts';
import { ACCESS_EVENTS } from '../access/access-log.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { afterId, epochMs, integerOr, nextCursor, optionalMatch, pageLimit } from '../http/schemas.ts';
import type { RouteDeps } from './deps.ts';

const AccessLogEntryView = z
  .object({
    id: z.number().int(),
    at: epochMs,
    provider: z.string(),
    event: z.enum(ACCESS_EVENTS),
    basis: z.string().nullable().openapi({ description: 'The order id (or `account`) that justified it' }),
    reason: z.string().nullable().openapi({ description: 'end: why the provider is no longer entitled; fetch: why the list carried no keys' }),
    epoch: z.number().int().nullable().openapi({ description: 'wrap: the epoch wrapped' }),
    recipient: z.string().nullable().openapi({ description: 'wrap: the encryption key wrapped for' }),
    epochs: z.array(z.number().int()).nullable().openapi({ description: 'fetch: the epochs whose keys the list carried' }),
  })
  .openapi('AccessLogEntry');

const LIST = defineRoute({
  method: 'get',
  path: '/',
  summary: 'The access log: every grant, end, wrap and access list fetch, oldest first',
  access: ['operator'],
  query: z.object({
    provider: optionalMatch('provider', PROVIDER_NAME_PATTERN),
    event: z.enum(ACCESS_EVENTS, { error: `event must be one of ${ACCESS_EVENTS.join(', ')}` }).optional(),
    since: integerOr('since', { fallback: 0 }).openapi({ description: 'Only entries at or after this time (ms since the epoch)' }),
    after: afterId,
    limit: pageLimit(1000, 100),
  }),
  responses: { 200: { description: 'A page of entries', content: { 'application/json': { schema: z.object({ entries: z.array(AccessLogEntryView), next: nextCursor }) } } } },
});

/** The access log (Art. 46(6); docs/SAFEGUARDS.md, "Access to the indicators"), for operators. */
export function accessLogRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const api = new ApiRouter(deps, 'access');
  const { accessLog } = deps.centre;

  api.handle(LIST, (c, { query }) => {
    const { limit } = query;
    const entries = accessLog.page({ provider: query.provider, event: query.event, since: query.since, afterId: query.after, limit });
    return c.json({ entries, next: entries.length === limit ? (entries.at(-1)?.id ?? null) : null });
  });

  return api.app;
}
