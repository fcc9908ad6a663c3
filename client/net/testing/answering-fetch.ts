import type { FetchInit, FetchLike } from '../http.ts';

export type AnsweringFetch = FetchLike & { readonly calls: { url: string; init: FetchInit }[] };

/**
 * Tests of a client's handling of a Centre's answers, where the answer is
 * the point: every call answers `status` with `json` as its body, and is
 * recorded (URL and request) for the test to inspect.
 */
export function answeringFetch(status: number, json: unknown): AnsweringFetch {
  const calls: { url: string; init: FetchInit }[] = [];
  const fn: FetchLike = async (url, init) => {
    calls.push({ url, init });
    const body = new TextEncoder().encode(JSON.stringify(json));
    return { status, headers: { get: () => null }, body: (async function* () { yield body; })() };
  };
  return Object.assign(fn, { calls });
}
