import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDirs {
  /** A new empty folder in the system temp directory, named `prefix` + random. */
  make(prefix: string): string;
  /** Removes every folder made so far; for afterEach/afterAll, so it runs when a test fails too. */
  removeAll(): void;
}

/** The temporary folders a test file creates, tracked so that one hook removes them all. */
export function tempDirs(): TempDirs {
  const made: string[] = [];
  return {
    make: (prefix) => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    removeAll: () => {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
