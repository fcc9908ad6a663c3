import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { decodeEnvelope, verifyEnvelopeSigners } from '../../shared/crypto/index.ts';
import { CodedError } from '../../shared/errors.ts';
import {
  checkEncryptionPublicKey,
  decodeEncryptionKeyRegistration,
  ENCRYPTION_KEY_PAYLOAD_TYPE,
  encryptionKeyId,
  MAX_ENCRYPTION_KEY_REGISTRATION_BYTES,
  RECIPIENT_KEY_ID_PATTERN,
  type EncryptionKeyRegistration,
} from '../../shared/seal/index.ts';
import { PROVIDER_NAME_PATTERN } from '../../shared/wire/order.ts';
import { ENCRYPTION_KEY_STATUSES, MAX_ENCRYPTION_KEYS, type EncryptionKeyRecord } from '../access/encryption-keys.ts';
import { EncryptionKeyError } from '../access/errors.ts';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { readBytes } from '../http/body.ts';
import { MSGPACK } from '../http/responses.ts';
import { epochMs, optionalMatch } from '../http/schemas.ts';
import { ProviderKeyStore } from '../store/provider-keys.ts';
import type { RouteDeps } from './deps.ts';

const EncryptionKeyView = z
  .object({
    keyId: z.string().openapi({ description: 'The recipient ID access lists name: 16 hex digits (docs/PROTOCOL.md 13.3)' }),
    provider: z.string(),
    status: z.enum(ENCRYPTION_KEY_STATUSES),
    signedBy: z.string().openapi({ description: 'The key ID of the report key that signed the registration' }),
    createdAt: epochMs,
    revokedAt: epochMs.nullable(),
    revokedBy: z.string().nullable(),
    revokeReason: z.string().nullable(),
  })
  .openapi('EncryptionKey');

const Registered = (created: boolean) => z.object({ keyId: z.string(), status: z.enum(ENCRYPTION_KEY_STATUSES), created: z.literal(created) });

const REGISTER = defineRoute({
  method: 'post',
  path: '/',
  summary: "Register the caller's encryption key, signed by one of its report keys",
  description:
    'Verified against the caller\'s registered report keys before it is decoded. Epoch keys are wrapped for it only while the report key that signed it is approved (status `active`; `pending` until then) and it is not revoked (docs/PROTOCOL.md 13.5).',
  access: ['provider'],
  media: { [MSGPACK]: { description: `A signed ${ENCRYPTION_KEY_PAYLOAD_TYPE} envelope (msgpack), at most ${MAX_ENCRYPTION_KEY_REGISTRATION_BYTES} bytes` } },
  responses: {
    201: { description: 'Registered', content: { 'application/json': { schema: Registered(true) } } },
    200: { description: 'Already registered', content: { 'application/json': { schema: Registered(false) } } },
  },
  errors: {
    400: ['ENCRYPTION_KEY_UNKNOWN_SIGNER', 'ENCRYPTION_KEY_WRONG_PROVIDER', 'ENCRYPTION_KEY_MALFORMED', 'ENCRYPTION_KEY_LIMIT', 'ENVELOPE_BAD_SIGNATURE'],
    409: ['ENCRYPTION_KEY_TAKEN'],
    415: ['BAD_REQUEST'],
  },
});

const LIST = defineRoute({
  method: 'get',
  path: '/',
  summary: "List encryption keys: a provider's own, or (operator) any provider's",
  access: ['provider', 'operator'],
  query: z.object({ provider: optionalMatch('provider', PROVIDER_NAME_PATTERN).openapi({ description: 'Operators: whose keys (required)' }) }),
  responses: { 200: { description: 'The keys, oldest first', content: { 'application/json': { schema: z.object({ keys: z.array(EncryptionKeyView) }) } } } },
  errors: { 404: ['NOT_FOUND'] },
});

const REVOKE = defineRoute({
  method: 'post',
  path: '/:keyId/revoke',
  summary: 'Revoke an encryption key (its provider or an operator); a new epoch starts at the next publication',
  access: ['provider', 'operator'],
  params: z.object({ keyId: z.string().regex(RECIPIENT_KEY_ID_PATTERN, { error: 'the key ID is 16 lower-case hex digits' }) }),
  body: z.strictObject({ reason: z.string().min(1).max(200) }),
  responses: { 200: { description: 'Revoked', content: { 'application/json': { schema: EncryptionKeyView.extend({ changed: z.boolean() }) } } } },
  errors: { 404: ['ENCRYPTION_KEY_NOT_FOUND'] },
});

/**
 * Providers' encryption keys (docs/PROTOCOL.md 13.5): what the Centre wraps
 * epoch keys for. A registration is signed by a report key, so a stolen
 * provider token alone cannot bring in a key that reads the feed.
 */
export function encryptionKeyRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'access');
  const reportKeys = new ProviderKeyStore(centre.db);
  const { encryptionKeys } = centre;

  api.handle(REGISTER, async (c) => {
    if (!/^application\/msgpack\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
      throw new ApiError(415, 'BAD_REQUEST', 'an encryption key registration is an application/msgpack envelope');
    }
    const account = c.get('principal').account;
    const bytes = await readBytes(c);
    const envelope = malformedUnless(() => decodeEnvelope(bytes, MAX_ENCRYPTION_KEY_REGISTRATION_BYTES));
    // Only the caller's own report keys that are not revoked may vouch for an encryption key; verified before decoding (PROTOCOL 3.3).
    const vouching = [...reportKeys.keysOf(account.id, 'approved'), ...reportKeys.keysOf(account.id, 'pending')];
    if (!envelope.signatures.some((s) => vouching.some((k) => k.keyIdHex === s.keyId))) {
      throw new EncryptionKeyError('ENCRYPTION_KEY_UNKNOWN_SIGNER', 'the registration is not signed by a report key registered for this provider (POST /v1/provider/keys)');
    }
    const { payload, signedBy } = verifyEnvelopeSigners(envelope, ENCRYPTION_KEY_PAYLOAD_TYPE, vouching);
    const registration: EncryptionKeyRegistration = malformedUnless(() => decodeEncryptionKeyRegistration(payload));
    if (registration.provider !== account.name) throw new EncryptionKeyError('ENCRYPTION_KEY_WRONG_PROVIDER', 'the registration names another provider than the caller');
    // A key no wrap can be made for (a point of small order) is refused here, not at every wrap afterwards.
    try {
      await checkEncryptionPublicKey(registration.publicKey);
    } catch (cause) {
      throw new EncryptionKeyError('ENCRYPTION_KEY_MALFORMED', 'the registration\'s public key is not a usable X25519 key', { cause });
    }
    const signer = signedBy[0];
    const signerRecord = signer === undefined ? undefined : reportKeys.find(account.id, signer.text)[0];
    if (signerRecord === undefined) throw new EncryptionKeyError('ENCRYPTION_KEY_UNKNOWN_SIGNER', 'the report key that signed the registration is not registered');
    const keyId = encryptionKeyId(registration.publicKey);
    const now = clock();
    const result = centre.write(() => {
      const existing = encryptionKeys.find(keyId);
      if (existing !== undefined && existing.accountId !== account.id) throw new EncryptionKeyError('ENCRYPTION_KEY_TAKEN', 'this encryption key is registered to another provider');
      const registered = encryptionKeys.register({ keyId, accountId: account.id, publicKey: registration.publicKey, signerId: signerRecord.id, envelope: bytes, now });
      if (registered.created) {
        if (encryptionKeys.of(account.id).filter((k) => k.status !== 'revoked').length > MAX_ENCRYPTION_KEYS) {
          throw new EncryptionKeyError('ENCRYPTION_KEY_LIMIT', `a provider may hold at most ${MAX_ENCRYPTION_KEYS} encryption keys that are not revoked`);
        }
        centre.audit.record(now, account.name, 'encryption-key.register', account.name, { keyId, signedBy: signerRecord.keyId });
      }
      return registered;
    });
    return c.json({ keyId, status: result.record.status, created: result.created }, result.created ? 201 : 200);
  });

  api.handle(LIST, (c, { query }) => {
    const principal = c.get('principal').account;
    const name = principal.role === 'provider' ? principal.name : query.provider;
    if (name === undefined) throw new ApiError(400, 'BAD_REQUEST', 'an operator names the provider (?provider=)');
    const account = centre.accounts.byName(name);
    if (account === undefined || account.role !== 'provider') throw new ApiError(404, 'NOT_FOUND', 'no such provider');
    return c.json({ keys: encryptionKeys.of(account.id).map(view) });
  });

  api.handle(REVOKE, (c, { params, body }) => {
    const principal = c.get('principal').account;
    const now = clock();
    const key = encryptionKeys.find(params.keyId);
    // A provider sees only its own keys: another's is as unknown as a key that does not exist.
    if (key === undefined || (principal.role === 'provider' && key.accountId !== principal.id)) {
      throw new EncryptionKeyError('ENCRYPTION_KEY_NOT_FOUND', 'no such encryption key');
    }
    const changed = centre.write(() => {
      const revoked = encryptionKeys.revoke(key.keyId, principal.name, body.reason, now);
      if (revoked) {
        // PROTOCOL 13.5: a revoked key reads nothing published afterwards.
        centre.epochs.requestRotation(`encryption key ${key.keyId} revoked`, now);
        centre.audit.record(now, principal.name, 'encryption-key.revoke', key.provider, { keyId: key.keyId, reason: body.reason });
      }
      return revoked;
    });
    const after = encryptionKeys.find(key.keyId) ?? key;
    return c.json({ ...view(after), changed });
  });

  return api.app;
}

function view(key: EncryptionKeyRecord) {
  return {
    keyId: key.keyId,
    provider: key.provider,
    status: key.status,
    signedBy: key.signerKeyId,
    createdAt: key.createdAt,
    revokedAt: key.revokedAt,
    revokedBy: key.revokedBy,
    revokeReason: key.revokeReason,
  };
}

/** A registration that is not one is ENCRYPTION_KEY_MALFORMED, whatever layer found it (the cause keeps the detail). */
function malformedUnless<T>(parse: () => T): T {
  try {
    return parse();
  } catch (cause) {
    if (cause instanceof CodedError) throw new EncryptionKeyError('ENCRYPTION_KEY_MALFORMED', `not an encryption key registration: ${cause.message}`, { cause });
    throw cause;
  }
}
