// Preload (node --import) that makes Node 20 behave like Node 22.18+ for
// TypeScript: process.features.typescript reads 'strip' and .ts files load
// through the stripping hooks, with no tsx. Lets tests check on Node 20 that
// the CLI runs without a transpiler where Node strips types itself.
import { register } from 'node:module';

Object.defineProperty(process.features, 'typescript', { value: 'strip', enumerable: true, configurable: true });
register('./strip-types-hooks.mjs', import.meta.url);
