import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { parseVerifierKey } from '../../shared/crypto/index.ts';
import { PROVIDER_NAME_PATTERN } from '../../shared/wire/order.ts';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { badRequest, fieldOf, guardError, type SchemaFailure } from '../http/schema-failure.ts';
import { afterId, epochMs, nextCursor, pageLimit } from '../http/schemas.ts';
import { ProviderKeyReview, type ProviderKeyDecision } from '../keys/provider-key-review.ts';
import { PROVIDER_KEY_STATUSES, ProviderKeyStore } from '../store/provider-keys.ts';
import type { RouteDeps } from './deps.ts';
import { ReportError } from './reports.ts';

/** Keys per provider (not counting revoked ones): one per sidecar plus rotations; bounds the work of verifying a report. */
export const MAX_PROVIDER_KEYS = 64;

/** A key ID (8 hex digits) or a C2SP verifier key, as a path segment. */
const KEY_SELECTOR_PATTERN = /^[0-9a-f]{8}$/;

const verifierKey = z
  .string()
  .max(1024)
  .openapi({ description: 'A C2SP verifier key, `<name>+<key id>+<key>`', example: 'example-host+0123abcd+AR...' });

/** A verifier key that fails its schema is refused as the key parser refuses it (its crypto codes), as before. */
function keyRefusal(failure: SchemaFailure): Error {
  if (failure.issues[0]?.path[0] !== 'verifierKey') return badRequest(failure);
  return guardError(parseVerifierKey, fieldOf(failure, 'verifierKey'), badRequest(failure));
}

const ProviderKeyInfo = z.object({
  verifierKey: z.string(),
  keyId: z.string().openapi({ description: '8 hex digits' }),
  createdAt: epochMs,
  status: z.enum(PROVIDER_KEY_STATUSES),
});

const ProviderKeyRecord = ProviderKeyInfo.extend({
  id: z.number().int(),
  provider: z.string(),
  approvedAt: epochMs.nullable(),
  approvedBy: z.string().nullable(),
  revokedAt: epochMs.nullable(),
  revokedBy: z.string().nullable(),
}).openapi('ProviderKey');

const REGISTER = defineRoute({
  method: 'post',
  path: '/',
  summary: "Register the caller's report key (it stays pending until an operator approves it)",
  access: ['provider'],
  body: z.strictObject({ verifierKey }),
  refuse: keyRefusal,
  responses: {
    201: { description: 'Registered', content: { 'application/json': { schema: ProviderKeyInfo.extend({ created: z.literal(true) }) } } },
    200: { description: 'Already registered', content: { 'application/json': { schema: ProviderKeyInfo.extend({ created: z.literal(false) }) } } },
  },
  errors: { 400: ['KEY_MALFORMED', 'PROVIDER_KEY_LIMIT'], 409: ['STORE_CONFLICT'] },
});

const LIST = defineRoute({
  method: 'get',
  path: '/',
  summary: 'List report keys',
  access: ['operator'],
  query: z.object({
    status: z.enum(PROVIDER_KEY_STATUSES, { error: `status must be one of ${PROVIDER_KEY_STATUSES.join(', ')}` }).optional(),
    provider: z.string().regex(PROVIDER_NAME_PATTERN, { error: `provider must match ${PROVIDER_NAME_PATTERN}` }).optional(),
    after: afterId,
    limit: pageLimit(1000, 100),
  }),
  responses: { 200: { description: 'A page of keys', content: { 'application/json': { schema: z.object({ keys: z.array(ProviderKeyRecord), next: nextCursor }) } } } },
});

const decision = (name: ProviderKeyDecision) =>
  defineRoute({
    method: 'post',
    path: `/:keyId/${name}`,
    summary: name === 'approve' ? 'Approve a key the provider confirmed out of band' : 'Revoke a key',
    access: ['operator'],
    params: z.object({ keyId: z.string().regex(KEY_SELECTOR_PATTERN, { error: 'the key ID is 8 lower-case hex digits' }) }),
    body: z.strictObject({
      provider: z.string({ error: `provider must match ${PROVIDER_NAME_PATTERN}` }).regex(PROVIDER_NAME_PATTERN, { error: `provider must match ${PROVIDER_NAME_PATTERN}` }),
      verifierKey: verifierKey.optional().openapi({ description: 'The full key, where two keys share the key ID' }),
    }),
    refuse: keyRefusal,
    responses: { 200: { description: 'Decided', content: { 'application/json': { schema: ProviderKeyRecord.extend({ changed: z.boolean() }) } } } },
    errors: { 400: ['KEY_MALFORMED'], 404: ['PROVIDER_KEY_NOT_FOUND'], 409: ['PROVIDER_KEY_AMBIGUOUS', 'PROVIDER_KEY_REVOKED'] },
  });

/**
 * Report keys: a provider registers its sidecar's key with its token (it
 * stays pending); an operator lists pending keys and approves the one the
 * provider confirmed out of band, or revokes one (docs/SAFEGUARDS.md,
 * "Report keys"). Only approved keys verify reports.
 */
export function providerKeyRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'reports');
  const keys = new ProviderKeyStore(centre.db);
  const review = new ProviderKeyReview(centre);

  api.handle(REGISTER, (c, { body }) => {
    const key = parseVerifierKey(body.verifierKey);
    const account = c.get('principal').account;
    const now = clock();
    const result = centre.write(() => {
      const registered = keys.register(account.id, key, now);
      if (registered.created) {
        if (keys.list(account.id).filter((k) => k.status !== 'revoked').length > MAX_PROVIDER_KEYS) {
          throw new ReportError('PROVIDER_KEY_LIMIT', `a provider may hold at most ${MAX_PROVIDER_KEYS} keys that are not revoked`);
        }
        centre.audit.record(now, account.name, 'provider-key.register', account.name, { verifierKey: key.text, keyId: key.keyIdHex });
      }
      return registered;
    });
    return c.json({ ...result.info, created: result.created }, result.created ? 201 : 200);
  });

  api.handle(LIST, (c, { query }) => {
    const { status, provider, after, limit } = query;
    const page = review.list({ ...(status === undefined ? {} : { status }), ...(provider === undefined ? {} : { provider }), afterId: after, limit });
    return c.json({ keys: page, next: page.length === limit ? (page.at(-1)?.id ?? null) : null });
  });

  const decide = (name: ProviderKeyDecision) =>
    api.handle(decision(name), (c, { params, body }) => {
      const { keyId } = params;
      const { provider, verifierKey } = body;
      let selector = keyId;
      if (verifierKey !== undefined) {
        // The full key settles a key ID two keys share (a key ID is only 32 bits).
        const key = parseVerifierKey(verifierKey);
        if (key.keyIdHex !== keyId) throw new ApiError(400, 'BAD_REQUEST', 'verifierKey has another key ID than the path');
        selector = key.text;
      }
      const { key, changed } = review.decide(name, { provider, key: selector }, c.get('principal').account.name, clock());
      return c.json({ ...key, changed });
    });
  decide('approve');
  decide('revoke');

  return api.app;
}
