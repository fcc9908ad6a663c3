import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import setup from './temp-dir-guard.ts';

describe('temporary directory guard', () => {
  const outer = tmpdir();
  afterEach(() => {
    process.env.TMPDIR = outer;
    process.exitCode = undefined;
  });

  it('gives the run a directory of its own, read through os.tmpdir()', () => {
    const teardown = setup();
    const runDir = tmpdir();
    expect(runDir).not.toBe(outer);
    expect(runDir.startsWith(join(outer, 'hf-test-run-'))).toBe(true);
    teardown();
    expect(tmpdir()).toBe(outer);
    expect(existsSync(runDir)).toBe(false);
  });

  describe('when a test leaves a folder behind', () => {
    it('fails the run naming it, and still removes everything', () => {
      const teardown = setup();
      const runDir = tmpdir();
      mkdirSync(join(runDir, 'hf-centre-left'));
      mkdirSync(join(runDir, 'tsx-1000'));
      expect(teardown).toThrow(/left 1 entries .*\(hf-centre-left\)/);
      expect(process.exitCode).toBe(1);
      expect(existsSync(runDir)).toBe(false);
    });
  });
});
