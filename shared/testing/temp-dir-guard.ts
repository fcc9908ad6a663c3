/**
 * Vitest global setup: each run gets a temporary directory of its own
 * (TMPDIR, which os.tmpdir() in the test workers and in the child processes
 * tests start both read), and whatever a test leaves in it fails the run,
 * listed by name. The directory is removed either way, so a run never
 * leaves anything behind; being the run's own, it never sees what other
 * processes on the machine put in the system temp directory.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Caches the tools themselves keep there, not anything a test made: tsx's compile cache (tsx-<uid>). */
const TOOL_CACHES = /^tsx-\d+$/;

/** How many leftovers the failure names. */
const LISTED = 20;

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const runDir = mkdtempSync(join(tmpdir(), 'hf-test-run-'));
  process.env.TMPDIR = runDir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const left = readdirSync(runDir).filter((name) => !TOOL_CACHES.test(name));
    rmSync(runDir, { recursive: true, force: true });
    if (left.length > 0) {
      const names = `${left.slice(0, LISTED).join(', ')}${left.length > LISTED ? ', ...' : ''}`;
      // Vitest reports an error thrown here but still exits 0: set the exit status too.
      process.exitCode = 1;
      throw new Error(`tests left ${left.length} entries in their temporary directory (${names}): every test must remove what it creates, in afterEach/afterAll or try/finally`);
    }
  };
}
