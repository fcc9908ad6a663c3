import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { join, normalize, sep } from 'node:path';

export interface StaticMirror {
  readonly url: string;
  /** Every request it received: path and headers (a test checks that no credential reached it). */
  readonly requests: readonly { readonly path: string; readonly headers: IncomingHttpHeaders }[];
  stop(): Promise<void>;
}

/**
 * A mirror as a provider may run one: the folder `centre export` wrote,
 * served by a plain static HTTP server on a loopback port. Records what
 * clients send it, since a mirror is not trusted with anything.
 */
export async function startStaticMirror(root: string): Promise<StaticMirror> {
  const requests: { path: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://mirror').pathname;
    requests.push({ path, headers: req.headers });
    const file = normalize(join(root, decodeURIComponent(path)));
    if (!file.startsWith(root + sep)) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-length': body.byteLength }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
