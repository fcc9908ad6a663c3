import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Locates the read-only reference vectors: `HASHFEED_VECTORS`, else
 * `../shared/vectors` beside the checkout. Returns null (tests then skip with
 * a message) where they are absent, except under CI, where their absence is a
 * failure: conformance tests must never be silently skipped there.
 */
export function vectorsDir(sub = ''): string | null {
  const base = process.env.HASHFEED_VECTORS ?? join(repoRoot, '..', 'shared', 'vectors');
  const dir = join(base, sub);
  if (existsSync(dir)) return dir;
  const message = `reference vectors not found at ${dir} (set HASHFEED_VECTORS)`;
  if (process.env.CI === 'true') throw new Error(`${message}; they are required under CI`);
  console.warn(`skipping: ${message}`);
  return null;
}

export { repoRoot };
