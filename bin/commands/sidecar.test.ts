import { describe, expect, it } from 'vitest';
import { run } from './sidecar.ts';

async function sidecar(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await run(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { status, stdout, stderr };
}

describe('hashfeed sidecar', () => {
  describe('when asked for --help', () => {
    it('prints its usage and exits 0', async () => {
      const { status, stdout } = await sidecar('--help');
      expect(status).toBe(0);
      expect(stdout).toMatch(/^usage: hashfeed sidecar --config FILE \[--once\]/);
    });
  });

  describe('when the command line does not fit', () => {
    it.each([
      [['--config', 'sidecar.json', '--port', '1'], "Unknown option '--port'"],
      [['--config', 'sidecar.json', 'extra'], "unexpected argument 'extra'"],
      [[], '--config is required'],
    ])('refuses %j with exit 2, the reason and the usage, before reading any config', async (argv, reason) => {
      const { status, stdout, stderr } = await sidecar(...argv);
      expect(status).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(reason);
      expect(stderr).toContain('usage: hashfeed sidecar');
    });
  });
});
