import { encodeEnvelope, signEnvelope, type SigningKey } from '../../shared/crypto/index.ts';
import { ENCRYPTION_KEM, ENCRYPTION_KEY_PAYLOAD_TYPE, encodeEncryptionKeyRegistration } from '../../shared/seal/index.ts';
import { clampTimerMs } from '../../shared/timer.ts';
import { apiUrl, errorCodeOf, readCapped, retryAfterMs, type FetchLike, type FetchResponse } from '../net/http.ts';
import { AccessError } from './errors.ts';

/** What the Centre says of the key: wrapped for (`active`), waiting for its report key's approval (`pending`), `revoked`, or `unknown` from an answer that does not say. */
export type EncryptionKeyStatus = 'active' | 'pending' | 'revoked' | 'unknown';

export interface RegisterEncryptionKeyOptions {
  /** The Centre itself (`reportTo`): never a mirror. */
  readonly baseUrl: string;
  readonly token: string;
  readonly fetch: FetchLike;
  readonly provider: string;
  readonly publicKey: Uint8Array;
  /** The report key that vouches for it (PROTOCOL 13.5): the Centre wraps for it only while that key is approved. */
  readonly reportKey: SigningKey;
  readonly now: number;
  readonly timeoutMs?: number;
}

/**
 * Registers this sidecar's encryption public key (POST
 * /v1/provider/encryption-keys, PROTOCOL 13.5): a `hashfeed/encryption-key/v1`
 * envelope signed by the report key, application/msgpack. Idempotent: the
 * Centre answers 200 for a key it has (`created` false), 201 for a new one.
 * Throws ENCRYPTION_KEY_REGISTRATION_FAILED with the Centre's code (or
 * NETWORK / HTTP_<status>) in the message and the status on the error.
 */
export async function registerEncryptionKey(options: RegisterEncryptionKeyOptions): Promise<{ created: boolean; status: EncryptionKeyStatus; keyId: string | undefined }> {
  const url = apiUrl(options.baseUrl, '/v1/provider/encryption-keys');
  const payload = encodeEncryptionKeyRegistration({ provider: options.provider, kem: ENCRYPTION_KEM, publicKey: options.publicKey, createdAt: options.now });
  const body = Uint8Array.from(encodeEnvelope(signEnvelope(ENCRYPTION_KEY_PAYLOAD_TYPE, payload, [options.reportKey])));
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), clampTimerMs(options.timeoutMs ?? 30_000));
  try {
    let res: FetchResponse;
    try {
      res = await options.fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/msgpack' },
        body,
        signal: controller.signal,
      });
    } catch (cause) {
      throw new AccessError('ENCRYPTION_KEY_REGISTRATION_FAILED', `could not reach ${url} (NETWORK)`, { cause });
    }
    if (res.status === 200 || res.status === 201) return { created: res.status === 201, ...(await answerOf(res)) };
    const code = (await errorCodeOf(res)) ?? `HTTP_${res.status}`;
    throw new AccessError('ENCRYPTION_KEY_REGISTRATION_FAILED', `${url} refused the encryption key: ${res.status} ${code}`, {
      status: res.status,
      retryAfterMs: retryAfterMs(res.headers.get('retry-after'), options.now),
    });
  } finally {
    clearTimeout(timer);
  }
}

/** `{ keyId, status, created }`, read as far as it is well formed: a Centre's answer is informative, it decides nothing here. */
async function answerOf(res: FetchResponse): Promise<{ status: EncryptionKeyStatus; keyId: string | undefined }> {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await readCapped(res, 64 * 1024)));
    const status: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, 'status') : undefined;
    const keyId: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, 'keyId') : undefined;
    return {
      status: status === 'active' || status === 'pending' || status === 'revoked' ? status : 'unknown',
      keyId: typeof keyId === 'string' && /^[0-9a-f]{16}$/.test(keyId) ? keyId : undefined,
    };
  } catch {
    return { status: 'unknown', keyId: undefined };
  }
}
