import { z } from '@hono/zod-openapi';
import { defineRoute, ApiRouter } from '../http/api-route.ts';
import type { CentreMetrics } from '../http/metrics.ts';
import type { RouteDeps } from './deps.ts';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/auth.ts';

const METRICS = defineRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics',
  // Operator-only: request rates per route tell who is active when; a scraper holds an operator token.
  access: ['operator', 'admin'],
  responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
});

const HEALTHZ = defineRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness probe and the latest published version',
  access: 'unlimited',
  responses: {
    200: {
      description: 'The Centre answers',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok'), version: z.number().int() }) } },
    },
  },
});

const OPENAPI = defineRoute({
  method: 'get',
  path: '/v1/openapi.json',
  summary: 'This document',
  access: 'public',
  responses: { 200: { description: 'The OpenAPI 3.1 document of every Centre route', content: { 'application/json': { schema: { type: 'object' } } } } },
});

export interface ServiceRouteDeps {
  readonly metrics: CentreMetrics;
  /** The OpenAPI document as JSON text, built once every route is mounted. */
  readonly document: () => string;
}

/** The routes outside /v1's modules: metrics, the health probe, and the API's own description (mounted at /). */
export function serviceRoutes(deps: RouteDeps, { metrics, document }: ServiceRouteDeps): OpenAPIHono<AppEnv> {
  const api = new ApiRouter(deps, 'service');
  api.handle(METRICS, async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  api.handle(HEALTHZ, (c) => c.json({ status: 'ok', version: deps.centre.publisher.latestVersion() }));
  api.handle(OPENAPI, (c) => c.body(document(), 200, { 'content-type': 'application/json' }));
  return api.app;
}
