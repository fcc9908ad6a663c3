import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import type { RouteDeps } from './deps.ts';

const PublishResult = z.object({
  version: z.number().int(),
  adds: z.number().int(),
  removes: z.number().int(),
  active: z.number().int(),
  stateDigest: z.string().openapi({ description: 'Hex' }),
  logIndex: z.number().int(),
  logSize: z.number().int(),
  envelopeBytes: z.number().int(),
  snapshotBytes: z.number().int(),
});

const PUBLISH = defineRoute({
  method: 'post',
  path: '/',
  summary: 'Publish version N+1 from everything approved and every pending removal',
  access: ['operator'],
  responses: { 201: { description: 'Published', content: { 'application/json': { schema: PublishResult } } } },
  errors: { 409: ['NOTHING_TO_PUBLISH'] },
});

/** Operators publish version N+1 from everything approved and every pending removal. */
export function publishRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const api = new ApiRouter(deps, 'indicators');
  api.handle(PUBLISH, (c) => c.json(deps.centre.publisher.publish(c.get('principal').account.name, deps.clock()), 201));
  return api.app;
}
