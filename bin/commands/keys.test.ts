import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { run as centreRun } from './centre.ts';
import { run } from './keys.ts';

async function keys(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await run(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { status, stdout, stderr };
}
const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };

const dirs = tempDirs();
afterEach(() => dirs.removeAll());

describe('hashfeed keys', () => {
  describe('when the command line does not fit', () => {
    it.each([
      [['frobnicate'], "hashfeed keys: unknown command 'frobnicate'"],
      [['sign', '--root-key', 'x'], '--in is required'],
      [['generate', '--name', 'a b', '--out', 'x'], '--name: the key name contains a space'],
      [['sign', '--in', 'x', '--data', 'y'], "Unknown option '--data'"],
    ])('refuses %j with exit 2', async (argv, message) => {
      const { status, stderr } = await keys(...argv);
      expect(status).toBe(2);
      expect(stderr).toContain(message);
    });
  });

  describe('when a holder only looks at a draft (--show)', () => {
    it('prints the change and the signatures needed, and leaves the file as it was', async () => {
      const dataDir = dirs.make('hf-keys-');
      expect(await centreRun(['init', '--data', dataDir, '--feed', 'show-test'], quiet)).toBe(0);
      const draft = join(dataDir, 'draft.json');
      expect(await centreRun(['keys', 'root', 'propose', '--data', dataDir, '--out', draft, '--rotate', 'feed'], quiet)).toBe(0);
      const before = readFileSync(draft, 'utf8');
      const { status, stdout } = await keys('sign', '--in', draft, '--show');
      expect(status).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({
        change: ['root version 1 -> 2 of feed \'show-test\'', expect.stringMatching(/^adds 'feed' key hashfeed\/show-test\/feed\+/)],
        proposed: { version: 2, rootThreshold: 1 },
        signatures: { 'version 1': '0 of 1 needed', 'version 2': '0 of 1 needed' },
        complete: false,
      });
      expect(readFileSync(draft, 'utf8')).toBe(before);
    });
  });
});
