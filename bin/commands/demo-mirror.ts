import { serve, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface DemoMirror {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The demo's stand-in for a CDN: the folder `centre export` wrote, served as
 * static files on loopback with no authentication at all (production puts
 * nginx or a CDN there; docs/OPERATIONS.md). It needs none: it holds
 * ciphertext (docs/PROTOCOL.md 13.7).
 */
export async function serveDemoMirror(root: string): Promise<DemoMirror> {
  const app = new Hono();
  app.use('/*', serveStatic({ root: relative(process.cwd(), root) || '.' }));
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

/** How many files lie under `root`, and which of them hold any of `needles` (raw bytes or lower-case hex). */
export function filesHolding(root: string, needles: readonly Uint8Array[]): { files: number; holding: string[] } {
  const patterns = needles.flatMap((n) => [Buffer.from(n), Buffer.from(Buffer.from(n).toString('hex'), 'utf8')]);
  const holding: string[] = [];
  let files = 0;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      files++;
      const bytes = readFileSync(path);
      if (patterns.some((p) => bytes.includes(p))) holding.push(relative(root, path));
    }
  };
  walk(root);
  return { files, holding };
}
