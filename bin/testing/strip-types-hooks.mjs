// Module hooks that load TypeScript the way Node 22.18+ does natively: types
// are stripped by amaro (the library Node bundles for this), in strip-only
// mode, so non-erasable syntax fails; files under node_modules are refused;
// and tsx may not load at all. Registered by node-type-stripping.mjs.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const amaro = createRequire(import.meta.url)('amaro');

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'tsx' || specifier.startsWith('tsx/')) {
    throw new Error(`'${specifier}' was imported although Node strips types itself`);
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  if (url.includes('/node_modules/')) {
    throw Object.assign(new Error(`Stripping types is unsupported for files under node_modules, for URL: ${url}`), { code: 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING' });
  }
  const { code } = amaro.transformSync(await readFile(fileURLToPath(url), 'utf8'), { mode: 'strip-only' });
  return { format: 'module', source: code, shortCircuit: true };
}
