import { ServerResponse } from 'node:http';

/**
 * A signal aborted when the client goes away before its answer is written
 * (a scan waiting for the decode budget then leaves the queue). Served on a
 * port, it comes from the Node response itself: Hono's node adapter builds
 * a whole Request, body stream included, the first time its `signal` is
 * read, about a third of a millisecond per scan. Otherwise (app.request()
 * in tests) it is the Request's own.
 */
export function clientGoneSignal(env: unknown, request: Request): AbortSignal {
  const outgoing: unknown = typeof env === 'object' && env !== null ? Reflect.get(env, 'outgoing') : undefined;
  if (!(outgoing instanceof ServerResponse)) return request.signal;
  const gone = new AbortController();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) gone.abort(new Error('the client closed the connection before its answer'));
  });
  return gone.signal;
}
