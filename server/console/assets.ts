import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';

export const ASSET_PATHS = { css: '/console/assets/console.css', js: '/console/assets/console.js' } as const;

const STYLESHEET = fileURLToPath(new URL('./assets/console.css', import.meta.url));
const SCRIPT_ENTRY = fileURLToPath(new URL('./browser/console.ts', import.meta.url));

interface Asset {
  readonly body: string;
  readonly etag: string;
}

const assetOf = (body: string): Asset => ({ body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });

/**
 * The console's script, bundled from TypeScript by esbuild (already in the
 * tree as tsx's) when first asked for, in memory, once per process: the
 * browser gets one file served by the Centre itself, never a CDN's.
 */
async function bundleScript(): Promise<Asset> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [SCRIPT_ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('the console script bundled to nothing');
  return assetOf(output.text);
}

function serve(c: Context, asset: Asset, type: string): Response {
  c.header('Cache-Control', 'no-cache');
  c.header('ETag', asset.etag);
  if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
  c.header('Content-Type', type);
  return c.body(asset.body);
}

/** GET /console/assets/console.css and console.js: public (the sign-in page needs them), the same bytes for everyone. */
export function assetRoutes(): Hono {
  let stylesheet: Asset | undefined;
  let script: Promise<Asset> | undefined;
  const app = new Hono();
  app.get('/console.css', (c) => serve(c, (stylesheet ??= assetOf(readFileSync(STYLESHEET, 'utf8'))), 'text/css; charset=utf-8'));
  app.get('/console.js', async (c) => {
    script ??= bundleScript().catch((err: unknown) => {
      script = undefined;
      throw err;
    });
    return serve(c, await script, 'text/javascript; charset=utf-8');
  });
  return app;
}
