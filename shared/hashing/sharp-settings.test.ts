import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../testing/vectors.ts';

/**
 * libvips' settings are process-wide and survive between test files in one
 * worker, so each entry point is loaded in a fresh Node process.
 */
function settingsAfterImporting(module: string): unknown {
  const script = `await import(${JSON.stringify(join(repoRoot, module))});
const { default: sharp } = await import('sharp');
process.stdout.write(JSON.stringify({ cache: sharp.cache(), concurrency: sharp.concurrency() }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out);
}

describe('sharp settings', () => {
  describe.each([
    ['image decoding (the CLI hashes through it)', 'shared/hashing/image-input.ts'],
    ['the sidecar', 'client/sidecar/sidecar.ts'],
  ])('when %s is loaded', (_name, module) => {
    it('turns libvips\' operation cache off, so no decoded content stays in memory, and uses one thread per image', () => {
      expect(settingsAfterImporting(module)).toEqual({
        cache: { memory: expect.objectContaining({ max: 0 }), files: expect.objectContaining({ max: 0 }), items: expect.objectContaining({ max: 0 }) },
        concurrency: 1,
      });
    });
  });
});
