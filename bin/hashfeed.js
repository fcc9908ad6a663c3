#!/usr/bin/env node
// The installed command. Where Node strips TypeScript types itself (22.18+,
// 23.6+, 24 and later: process.features.typescript is 'strip' or
// 'transform'), the TypeScript entry is imported as it is and no transpiler
// runs. Node 20 has no type stripping, and Node never strips files under a
// node_modules folder (a global or dependency install): there, tsx's ESM
// hooks are registered first, which is why tsx stays a dependency.
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const underNodeModules = fileURLToPath(import.meta.url).split(sep).includes('node_modules');
if (!process.features.typescript || underNodeModules) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./hashfeed.ts');
