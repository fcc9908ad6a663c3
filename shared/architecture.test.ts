import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
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
  bench: ['bench', 'shared', 'fixtures', 'fuzz'],
  // The fuzz targets reach every decoder of untrusted input, the Centre's and the sidecar's alike (as bin/ does).
  fuzz: ['fuzz', 'shared', 'server', 'client', 'fixtures'],
  scripts: ['scripts'],
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

  // The witness is run by someone other than the Centre's operator: it shares nothing with the Centre but shared/.
  it('server/witness/ imports only itself and shared/', () => {
    const witnessDir = join(repoRoot, 'server', 'witness');
    const violations: string[] = [];
    for (const file of sources(witnessDir)) {
      for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const target = resolve(dirname(file), match[1] ?? '');
        const inside = !relative(witnessDir, target).startsWith('..') || relative(repoRoot, target).split(/[\\/]/)[0] === 'shared';
        if (!inside) violations.push(`${relative(repoRoot, file)} -> ${relative(repoRoot, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });
});

/**
 * Test helpers live in testing/ folders (STYLE convention 16): production
 * code never imports one, and a module under shared/, server/ or client/
 * that no production module imports (and no package.json script runs) is
 * a test helper in the production tree.
 */
describe('test helpers', () => {
  const PRODUCTION = ['shared', 'server', 'client', 'fixtures', 'bin'];
  const isTestCode = (path: string): boolean => path.endsWith('.test.ts') || path.split(/[\\/]/).includes('testing');
  const production = PRODUCTION.flatMap((top) => [...sources(join(repoRoot, top))]).filter((file) => !isTestCode(relative(repoRoot, file)));
  // A file loaded by path (`new URL('./x.ts', import.meta.url)`: the console's script, which esbuild bundles) counts as used.
  const LOADED = /new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g;
  const importsOf = (file: string): string[] => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(IMPORT), ...text.matchAll(LOADED)].map((match) => resolve(dirname(file), match[1] ?? ''));
  };

  it('are never imported by production code', () => {
    const violations = production.flatMap((file) =>
      importsOf(file)
        .filter((target) => relative(repoRoot, target).split(/[\\/]/).includes('testing'))
        .map((target) => `${relative(repoRoot, file)} -> ${relative(repoRoot, target)}`),
    );
    expect(violations).toEqual([]);
  });

  it('do not live in the production tree: every production module is used by production code', () => {
    const manifest: unknown = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    const scripts = JSON.stringify(typeof manifest === 'object' && manifest !== null ? [Reflect.get(manifest, 'scripts'), Reflect.get(manifest, 'bin')] : []);
    const used = new Set(production.flatMap(importsOf));
    const unused = production
      .filter((file) => ['shared', 'server', 'client'].includes(relative(repoRoot, file).split(/[\\/]/)[0] ?? ''))
      .filter((file) => !used.has(file) && !scripts.includes(relative(repoRoot, file)));
    expect(unused.map((file) => relative(repoRoot, file))).toEqual([]);
  });
});

/**
 * What `npm ci --omit=dev` installs must be enough to run the product: the
 * CLI and what it loads (bin/, shared/, server/, client/, and fixtures/,
 * which `hashfeed demo` uses to draw its synthetic images). Tests and
 * `testing/` helpers may use devDependencies; so may bench/ and scripts/,
 * which are developer tools run from a full checkout (plots, the WebAssembly
 * build) and which no production module may import (checked above).
 */
const PRODUCTION_TOPS = ['bin', 'shared', 'server', 'client', 'fixtures'] as const;
const BARE_IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)['"]([^.'"][^'"]*)['"]/g;

function isProductionFile(file: string): boolean {
  return !file.endsWith('.test.ts') && !relative(repoRoot, file).split(sep).includes('testing');
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

function dependencyNames(): Set<string> {
  const manifest: unknown = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const dependencies: unknown = typeof manifest === 'object' && manifest !== null ? Reflect.get(manifest, 'dependencies') : undefined;
  return new Set(typeof dependencies === 'object' && dependencies !== null ? Object.keys(dependencies) : []);
}

describe('production imports', () => {
  describe('when installed with npm ci --omit=dev', () => {
    it.each(PRODUCTION_TOPS)('%s/ imports only node built-ins and package.json dependencies', (top) => {
      const dependencies = dependencyNames();
      const violations: string[] = [];
      for (const file of sources(join(repoRoot, top))) {
        if (!isProductionFile(file)) continue;
        for (const match of readFileSync(file, 'utf8').matchAll(BARE_IMPORT)) {
          const specifier = match[1] ?? '';
          const name = packageOf(specifier);
          if (specifier.startsWith('node:') || builtinModules.includes(name) || dependencies.has(name)) continue;
          violations.push(`${relative(repoRoot, file)} -> ${specifier}`);
        }
      }
      expect(violations).toEqual([]);
    });
  });
});
