import { clampTimerMs } from '../../shared/timer.ts';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CryptoError, generateSigningKey, readPrivateKeyFile, writePrivateKeyFile, type SigningKey } from '../../shared/crypto/index.ts';
import { apiUrl, errorCodeOf, readCapped, type FetchLike, type FetchResponse } from '../net/http.ts';
import { ReportingError } from './errors.ts';

/** The C2SP key name of a sidecar's report-signing key (it names the key, it proves nothing). */
export const DEFAULT_PROVIDER_KEY_NAME = 'hashfeed/provider-sidecar';

/**
 * The sidecar's Ed25519 report-signing key: read from `path`, or generated
 * and written there (mode 0600, atomically; the folder is created 0700) on
 * first run. If another process creates the file at the same moment, its
 * key is read and used. Throws CryptoError KEY_FILE_* or KEY_MALFORMED for
 * a file that exists but cannot be used: a key is never silently replaced,
 * since reports already sent were signed with it.
 */
export function loadOrCreateProviderKey(path: string, keyName = DEFAULT_PROVIDER_KEY_NAME): SigningKey {
  if (existsSync(path)) return readPrivateKeyFile(path);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = generateSigningKey(keyName);
  try {
    writePrivateKeyFile(path, key);
    return key;
  } catch (cause) {
    // Lost a race with another process: its file won (writePrivateKeyFile never overwrites).
    if (cause instanceof CryptoError && cause.code === 'KEY_FILE_WRITE_FAILED' && existsSync(path)) return readPrivateKeyFile(path);
    throw cause;
  }
}

export interface RegisterProviderKeyOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly fetch: FetchLike;
  readonly key: SigningKey;
  readonly timeoutMs?: number;
}

/**
 * What the Centre says of the key: `pending` until an operator approves it
 * (reports signed by it wait in the queue meanwhile), `approved`, `revoked`
 * (a new key is needed), or `unknown` from a Centre that does not say.
 */
export type ProviderKeyStatus = 'pending' | 'approved' | 'revoked' | 'unknown';

/**
 * Registers the key's public half with the Centre (POST /v1/provider/keys).
 * The Centre accepts reports signed with it only once an operator has
 * approved it (docs/SAFEGUARDS.md, "Report keys"). Idempotent: `created` is
 * false when the Centre already had it. Throws KEY_REGISTRATION_FAILED with
 * the Centre's code (or NETWORK / HTTP_<status>) in the message.
 */
export async function registerProviderKey(options: RegisterProviderKeyOptions): Promise<{ created: boolean; status: ProviderKeyStatus }> {
  const url = apiUrl(options.baseUrl, '/v1/provider/keys');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), clampTimerMs(options.timeoutMs ?? 30_000));
  try {
    let res: FetchResponse;
    try {
      res = await options.fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ verifierKey: options.key.verifier.text }),
        signal: controller.signal,
      });
    } catch (cause) {
      throw new ReportingError('KEY_REGISTRATION_FAILED', `could not reach ${url} (NETWORK)`, { cause });
    }
    if (res.status === 200 || res.status === 201) return { created: res.status === 201, status: await statusOf(res) };
    const code = (await errorCodeOf(res)) ?? `HTTP_${res.status}`;
    throw new ReportingError('KEY_REGISTRATION_FAILED', `${url} refused the key: ${res.status} ${code}`);
  } finally {
    clearTimeout(timer);
  }
}

async function statusOf(res: FetchResponse): Promise<ProviderKeyStatus> {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await readCapped(res, 64 * 1024)));
    const status: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, 'status') : undefined;
    return status === 'pending' || status === 'approved' || status === 'revoked' ? status : 'unknown';
  } catch {
    return 'unknown';
  }
}
