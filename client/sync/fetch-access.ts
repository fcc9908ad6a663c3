import { MAX_ACCESS_LIST_BYTES } from '../../shared/seal/index.ts';
import { AccessError } from '../access/errors.ts';
import type { FetchLike } from '../net/http.ts';
import { fetchProviderList } from '../net/provider-list.ts';
import type { AccessUpdate, TrustedStore } from './trusted-store/index.ts';

/** The envelope around the largest accepted payload (PROTOCOL 13.4 step 1: 256 KiB plus framing). */
export const MAX_ACCESS_ENVELOPE_BYTES = MAX_ACCESS_LIST_BYTES + 16 * 1024;

export interface FetchAccessOptions {
  /** The Centre (`reportTo`): the access list is per provider, a mirror never serves it. */
  readonly baseUrl: string;
  readonly token: string;
  readonly fetch: FetchLike;
  /** Decides whether the list is trusted: this only fetches. */
  readonly store: Pick<TrustedStore, 'acceptAccessList'>;
  readonly now: number;
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
}

/**
 * One access refresh (docs/PROTOCOL.md 13.4): step 1 here, GET
 * /v1/feed/access with the provider token, at most `maxBytes`, within
 * `timeoutMs`; steps 2 to 7 in the trusted store (acceptAccessList). Null
 * when the Centre answers 404: a Centre from before the sealed feed, whose
 * objects are plaintext. Other failures throw ACCESS_NETWORK,
 * ACCESS_HTTP_STATUS or ACCESS_TOO_LARGE, and the keys held stay.
 */
export async function fetchAccess(options: FetchAccessOptions): Promise<AccessUpdate | null> {
  const { baseUrl, token, fetch, now, timeoutMs } = options;
  let envelope: Uint8Array;
  try {
    envelope = await fetchProviderList(
      { baseUrl, path: '/v1/feed/access', token, fetch, now, maxBytes: options.maxBytes ?? MAX_ACCESS_ENVELOPE_BYTES, ...(timeoutMs === undefined ? {} : { timeoutMs }) },
      (failure, message, details) => new AccessError(`ACCESS_${failure}`, message, details),
    );
  } catch (err) {
    if (err instanceof AccessError && err.code === 'ACCESS_HTTP_STATUS' && err.status === 404) return null;
    throw err;
  }
  return options.store.acceptAccessList(envelope, options.now);
}
