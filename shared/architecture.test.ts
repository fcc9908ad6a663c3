import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './testing/vectors.ts';

/**
 * The import direction of docs/ARCHITECTURE.md, enforced: shared/ stands
 * alone; server/ and client/ never import each other; only bin/ may import
 * both. bench/ and any test may also use the synthetic fixtures (test
 * content, not a runtime dependency).
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  shared: ['shared'],
  server: ['server', 'shared'],
  client: ['client', 'shared'],
  fixtures: ['fixtures', 'shared'],
  bench: ['bench', 'shared', 'fixtures'],
};

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/\.(ts|js|mjs)$/.test(entry.name)) yield path;
  }
}

const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)['"](\.[^'"]+)['"]/g;

describe('import direction', () => {
  it.each(Object.keys(ALLOWED))('%s/ imports only what it may', (top) => {
    const violations: string[] = [];
    for (const file of sources(join(repoRoot, top))) {
      for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const target = relative(repoRoot, resolve(dirname(file), match[1] ?? ''));
        const targetTop = target.split(/[\\/]/)[0] ?? '';
        const allowed = [...(ALLOWED[top] ?? []), ...(file.endsWith('.test.ts') ? ['fixtures'] : [])];
        if (!allowed.includes(targetTop)) violations.push(`${relative(repoRoot, file)} -> ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
