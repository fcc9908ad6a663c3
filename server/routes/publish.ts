import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { publishVersion } from '../publish/publish-version.ts';
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
  epoch: z.number().int().openapi({ description: 'The epoch the version is sealed under (docs/PROTOCOL.md 13.2)' }),
  epochBegan: z.string().nullable().openapi({ description: 'Why that epoch began with this version (first, entitlement, requested, key-unreadable); null when it continues' }),
});

const PUBLISH = defineRoute({
  method: 'post',
  path: '/',
  summary: 'Publish version N+1 from everything approved and every pending removal',
  access: ['operator'],
  responses: { 201: { description: 'Published', content: { 'application/json': { schema: PublishResult } } } },
  errors: { 409: ['NOTHING_TO_PUBLISH'] },
});

/**
 * Operators publish version N+1 from everything approved and every pending
 * removal. A publication that starts an epoch has its key wrapped for every
 * entitled provider in the background: publishing never waits for it.
 */
export function publishRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const api = new ApiRouter(deps, 'indicators');
  const { centre, clock } = deps;
  api.handle(PUBLISH, (c) => {
    return c.json(publishVersion(centre, c.get('principal').account.name, clock()), 201);
  });
  return api.app;
}
