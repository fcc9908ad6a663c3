import { request } from 'node:http';
import { connect } from 'node:net';

export interface SlowRequest {
  /** Resolves once the server is handling the request and has the first part of the body. */
  readonly sent: Promise<void>;
  /** Sends the rest of the body. */
  finish(): void;
  /** The answer's status and body, or the socket error when the server cut the connection. */
  readonly answer: Promise<{ status: number; body: string } | { error: string }>;
}

/**
 * A request in flight on purpose: headers and half of `body` are sent, the
 * rest waits for finish(). For shutdown tests, which need a request the
 * server is still handling when it is told to stop.
 */
export function slowRequest(url: string, path: string, headers: Record<string, string>, body: string): SlowRequest {
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  // Expect: 100-continue makes the server say when it has parsed the headers and
  // dispatched the request: from then on the request is in flight, no guessing.
  const req = request(`${url}${path}`, { method: 'POST', headers: { ...headers, 'content-length': String(bytes.length), expect: '100-continue' } });
  const answer = new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.once('error', (err) => resolve({ error: err.message }));
    });
    req.once('error', (err) => resolve({ error: err.message }));
  });
  const sent = new Promise<void>((resolve, reject) => {
    req.once('error', reject);
    req.once('continue', () => req.write(bytes.subarray(0, half), () => resolve()));
    req.flushHeaders();
  });
  return {
    sent,
    finish: () => req.end(bytes.subarray(half)),
    answer,
  };
}

/**
 * Opens (and closes) a connection to `url` (`http://host:port` or
 * `unix:/path`): 'connected', or the error code (ECONNREFUSED once a TCP
 * server stopped listening, ENOENT once a unix socket is gone).
 */
export function tryConnect(url: string): Promise<string> {
  return new Promise((resolve) => {
    const { hostname, port } = url.startsWith('unix:') ? { hostname: '', port: '' } : new URL(url);
    const socket = url.startsWith('unix:') ? connect(url.slice('unix:'.length)) : connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
