import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSigningKey, type SigningKey } from '../../shared/crypto/index.ts';
import { ROOT_KEY_ENV } from './keyring.ts';
import { keysDir } from './online-keys.ts';

/**
 * Root keys for a command run where they are at hand (init's layout, or a
 * holder's machine): HASHFEED_ROOT_KEY, else each given file, else every
 * `root.key` / `root-<i>.key` in <data>/keys. Whether they meet the
 * threshold is the root chain's rule, checked when the result is installed.
 */
export function localRootKeys(dataDir: string, files: readonly string[] | undefined, env: NodeJS.ProcessEnv = process.env): SigningKey[] {
  if ((env[ROOT_KEY_ENV] ?? '').trim() !== '') {
    if (files !== undefined && files.length > 0) return [loadSigningKey({ envVariable: ROOT_KEY_ENV, env, path: files[0] })];
    return [loadSigningKey({ envVariable: ROOT_KEY_ENV, env })];
  }
  const paths = files !== undefined && files.length > 0 ? files : defaultRootKeyFiles(dataDir);
  return paths.map((path) => loadSigningKey({ path }));
}

function defaultRootKeyFiles(dataDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(keysDir(dataDir));
  } catch {
    return [];
  }
  return names.filter((name) => /^root(-\d+)?\.key$/.test(name)).sort().map((name) => join(keysDir(dataDir), name));
}
