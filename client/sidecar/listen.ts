import { existsSync, unlinkSync, chmodSync } from 'node:fs';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';

/**
 * Serves the local API on `host:port` or on a unix socket path (made
 * owner-only, since the socket is the provider's internal interface).
 * Resolves with the address to give callers, and a close function.
 */
export async function listenLocal(app: Hono, listen: string): Promise<{ address: string; close(): Promise<void> }> {
  const server = createAdaptorServer({ fetch: app.fetch });
  const hostPort = /^(.+):(\d{1,5})$/.exec(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (hostPort?.[1] !== undefined && hostPort[2] !== undefined && !listen.startsWith('/')) server.listen(Number(hostPort[2]), hostPort[1], resolve);
    else {
      if (existsSync(listen)) unlinkSync(listen);
      server.listen(listen, () => {
        chmodSync(listen, 0o600);
        resolve();
      });
    }
  });
  const bound = server.address();
  const address = typeof bound === 'string' ? `unix:${bound}` : bound === null ? listen : `http://${bound.address}:${bound.port}`;
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
