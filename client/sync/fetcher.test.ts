import { describe, expect, it } from 'vitest';
import type { FetchLike } from '../net/http.ts';
import { codeOfAsync } from '../../shared/testing/code-of.ts';
import { SyncError } from './errors.ts';
import { fetchBytes } from './fetcher.ts';

/** A fake server at the edge: status, headers and body chunks. */
function answer(status: number, chunks: Uint8Array[] | (() => AsyncGenerator<Uint8Array>), headers: Record<string, string> = {}): FetchLike {
  return async () => ({
    status,
    headers: new Headers(headers),
    body:
      typeof chunks === 'function'
        ? chunks()
        : (async function* () {
            yield* chunks;
          })(),
  });
}

const options = { maxBytes: 1000, timeoutMs: 5000 };

describe('fetchBytes', () => {
  it('returns the body of a 200', async () => {
    expect(await fetchBytes(answer(200, [Uint8Array.from([1, 2]), Uint8Array.from([3])]), 'http://x/a', options)).toEqual(Uint8Array.from([1, 2, 3]));
  });

  it('returns null for a 404', async () => {
    expect(await fetchBytes(answer(404, []), 'http://x/a', options)).toBeNull();
  });

  it.each([
    ['a declared length over the cap', answer(200, [], { 'content-length': '5000' }), 'SYNC_TOO_LARGE'],
    [
      'a body that never ends',
      answer(200, async function* () {
        for (;;) yield new Uint8Array(512);
      }),
      'SYNC_TOO_LARGE',
    ],
    ['a server error', answer(500, []), 'SYNC_HTTP_STATUS'],
    ['a refused connection', (async () => Promise.reject(new TypeError('fetch failed'))) satisfies FetchLike, 'SYNC_NETWORK'],
  ])('refuses %s', async (_name, fetch, code) => {
    expect(await codeOfAsync(fetchBytes(fetch, 'http://x/a', options))).toBe(code);
  });

  it('carries Retry-After from a 429 or 503', async () => {
    for (const status of [429, 503]) {
      const err = await fetchBytes(answer(status, [], { 'retry-after': '42' }), 'http://x/a', options).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SyncError);
      expect(err).toMatchObject({ code: 'SYNC_RATE_LIMITED', retryAfterSeconds: 42 });
    }
  });
});
