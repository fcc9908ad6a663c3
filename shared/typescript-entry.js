// Imports a TypeScript module from plain JavaScript: the CLI's entry and
// the sidecar's scan worker threads start here. Where Node strips TypeScript
// types itself (22.18+, 23.6+, 24 and later: process.features.typescript is
// 'strip' or 'transform'), the module is imported as it is and no
// transpiler runs. Node 20 has no type stripping, and Node never strips
// files under a node_modules folder (a global or dependency install):
// there, tsx's ESM hooks are registered first, which is why tsx stays a
// dependency. Each worker thread registers its own hooks.
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @param {URL} url a .ts module @returns {Promise<unknown>} its namespace */
export async function importTypeScript(url) {
  const underNodeModules = fileURLToPath(url).split(sep).includes('node_modules');
  if (!process.features.typescript || underNodeModules) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  return import(url.href);
}
