import { Hono } from 'hono';
import { parseVerifierKey } from '../../shared/crypto/index.ts';
import { PROVIDER_NAME_PATTERN } from '../../shared/wire/order.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/auth.ts';
import { intParam, objectBody, readJson } from '../http/body.ts';
import { ProviderKeyReview, type ProviderKeyDecision } from '../keys/provider-key-review.ts';
import { isProviderKeyStatus, PROVIDER_KEY_STATUSES, ProviderKeyStore } from '../store/provider-keys.ts';
import type { RouteDeps } from './deps.ts';
import { ReportError } from './reports.ts';

/** Keys per provider (not counting revoked ones): one per sidecar plus rotations; bounds the work of verifying a report. */
export const MAX_PROVIDER_KEYS = 64;

/** A key ID (8 hex digits) or a C2SP verifier key, as a path segment. */
const KEY_SELECTOR_PATTERN = /^[0-9a-f]{8}$/;

/**
 * Report keys: a provider registers its sidecar's key with its token (it
 * stays pending); an operator lists pending keys and approves the one the
 * provider confirmed out of band, or revokes one (docs/SAFEGUARDS.md,
 * "Report keys"). Only approved keys verify reports.
 */
export function providerKeyRoutes({ centre, clock, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const operator = guard('operator');
  const keys = new ProviderKeyStore(centre.db);
  const review = new ProviderKeyReview(centre);

  app.post('/', guard('provider'), async (c) => {
    const { verifierKey } = objectBody(await readJson(c), ['verifierKey']);
    const key = parseVerifierKey(verifierKey);
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

  app.get('/', operator, (c) => {
    const status = c.req.query('status');
    if (status !== undefined && !isProviderKeyStatus(status)) throw new ApiError(400, 'BAD_REQUEST', `status must be one of ${PROVIDER_KEY_STATUSES.join(', ')}`);
    const provider = c.req.query('provider');
    if (provider !== undefined && !PROVIDER_NAME_PATTERN.test(provider)) throw new ApiError(400, 'BAD_REQUEST', `provider must match ${PROVIDER_NAME_PATTERN}`);
    const after = intParam(c.req.query('after'), 'after', { fallback: 0 });
    const limit = Math.min(1000, intParam(c.req.query('limit'), 'limit', { min: 1, fallback: 100 }));
    const page = review.list({ ...(status === undefined ? {} : { status }), ...(provider === undefined ? {} : { provider }), afterId: after, limit });
    return c.json({ keys: page, next: page.length === limit ? (page.at(-1)?.id ?? null) : null });
  });

  const decide = (decision: ProviderKeyDecision) =>
    app.post(`/:keyId/${decision}`, operator, async (c) => {
      const keyId = c.req.param('keyId');
      if (!KEY_SELECTOR_PATTERN.test(keyId)) throw new ApiError(400, 'BAD_REQUEST', 'the key ID is 8 lower-case hex digits');
      const { provider, verifierKey } = objectBody(await readJson(c), ['provider', 'verifierKey']);
      if (typeof provider !== 'string' || !PROVIDER_NAME_PATTERN.test(provider)) throw new ApiError(400, 'BAD_REQUEST', `provider must match ${PROVIDER_NAME_PATTERN}`);
      let selector = keyId;
      if (verifierKey !== undefined) {
        // The full key settles a key ID two keys share (a key ID is only 32 bits).
        const key = parseVerifierKey(verifierKey);
        if (key.keyIdHex !== keyId) throw new ApiError(400, 'BAD_REQUEST', 'verifierKey has another key ID than the path');
        selector = key.text;
      }
      const { key, changed } = review.decide(decision, { provider, key: selector }, c.get('principal').account.name, clock());
      return c.json({ ...key, changed });
    });
  decide('approve');
  decide('revoke');

  return app;
}
