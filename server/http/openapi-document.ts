import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './auth.ts';

const DESCRIPTION = [
  'The EU Centre of hashfeed: the signed hash feed, its transparency log, detection orders, reports and their review.',
  'docs/API.md explains each route; this document is generated from the schemas that validate the requests.',
  '',
  'Authentication: `Authorization: Bearer <token>`; `x-roles` on each operation names the account roles it admits',
  '(401 AUTH_MISSING or AUTH_INVALID without a valid token, 403 AUTH_FORBIDDEN for another role).',
  'Rate limits (`x-rate-limit`): per token on authenticated routes, per client on public ones; 429 RATE_LIMITED with Retry-After.',
  'Bodies: every body is bounded in bytes (413 BODY_TOO_LARGE) and time (408 BODY_TIMEOUT); a GET carries none.',
  'Errors: `{ "error": { "code", "message" } }`; codes are stable, messages are for people.',
].join('\n');

/**
 * Registers what the routes share (the bearer scheme) on the root app, once,
 * after every route module is mounted; returns the OpenAPI 3.1 document of
 * everything registered through ApiRouter.
 */
export function openApiDocument(app: OpenAPIHono<AppEnv>): unknown {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An account token issued by an admin (`centre token create`, POST /v1/accounts/{name}/tokens).',
  });
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'hashfeed Centre API', version: '1', description: DESCRIPTION, license: { name: 'Apache-2.0' } },
  });
}
