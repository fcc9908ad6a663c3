import { existsSync, unlinkSync, chmodSync } from 'node:fs';
import { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { drainable } from '../../shared/http/drain.ts';

/**
 * Serves the local API on `host:port` or on a unix socket path (made
 * owner-only, since the socket is the provider's internal interface).
 * Resolves with the address to give callers, and a close function that
 * drains: it stops accepting at once, lets requests in flight (scans) finish
 * until `deadlineMs` (default 0: cut at once), then cuts what is left.
 */
export async function listenLocal(app: Hono, listen: string): Promise<{ address: string; close(deadlineMs?: number): Promise<void> }> {
  const server = createAdaptorServer({ fetch: app.fetch });
  if (!(server instanceof Server)) throw new Error('the local API serves HTTP/1.1 only');
  const drain = drainable(server);
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
    close: async (deadlineMs = 0) => {
      await drain.close(deadlineMs);
    },
  };
}
