import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { transformSync } from 'amaro';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../shared/testing/vectors.ts';

/**
 * Node 22.18+ runs TypeScript by stripping types, and bin/hashfeed.js then
 * imports the entry without tsx. This node may be 20, so the tests emulate
 * that runtime: bin/testing/node-type-stripping.mjs sets
 * process.features.typescript and loads .ts files through amaro, the
 * stripper Node bundles, refusing tsx.
 */
const PRELOAD = join(repoRoot, 'bin', 'testing', 'node-type-stripping.mjs');
const CLI = join(repoRoot, 'bin', 'hashfeed.js');

function hashfeed(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', PRELOAD, CLI, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every file the CLI can load: bin/, shared/, server/, client/ and fixtures/, tests and test helpers aside. */
function* productionSources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'testing' && entry.name !== 'node_modules') yield* productionSources(path);
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) yield path;
  }
}

describe('the CLI where Node strips types itself', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  describe('when process.features.typescript is set', () => {
    it('initialises a Centre with no transpiler loaded', () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'hf-strip-'));
      dirs.push(dataDir);
      const run = hashfeed('centre', 'init', '--data', join(dataDir, 'centre'));
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ rootVerifierKey: expect.stringMatching(/^hashfeed\/eu-centre\/root\+/) });
    });

    it.each(['sidecar', 'hash'])('loads the %s command', (command) => {
      const run = hashfeed(command, '--help');
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^usage: hashfeed/);
    });
  });

  describe('when any production module is stripped', () => {
    it('holds only erasable TypeScript (no enums, namespaces or parameter properties)', () => {
      const refused: string[] = [];
      for (const top of ['bin', 'shared', 'server', 'client', 'fixtures']) {
        for (const file of productionSources(join(repoRoot, top))) {
          try {
            transformSync(readFileSync(file, 'utf8'), { mode: 'strip-only' });
          } catch (err) {
            refused.push(`${relative(repoRoot, file)}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
          }
        }
      }
      expect(refused).toEqual([]);
    });
  });
});
