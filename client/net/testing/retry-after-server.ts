import { createServer } from 'node:http';
import type { FetchLike } from '../http.ts';

export interface RetryAfterServer {
  readonly url: string;
  /** Requests answered so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * A hostile mirror, CDN or proxy on a loopback port: it answers every
 * request with `status` and the given Retry-After, and counts the requests.
 */
export async function startRetryAfterServer(status: number, retryAfter: string): Promise<RetryAfterServer> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(status, { 'retry-after': retryAfter, 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'come back later' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err === undefined ? resolve() : reject(err)));
      }),
  };
}

/** The platform's fetch at the sidecar's HTTP edge. */
export const platformFetch: FetchLike = async (url, init) => {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: res.body };
};
