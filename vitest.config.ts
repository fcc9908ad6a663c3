import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{bin,shared,server,client,fixtures,bench,fuzz,scripts}/**/*.test.ts'],
    // Native addons (better-sqlite3, sharp) are safest in child processes, not worker threads.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A temporary directory per run; leftovers in it fail the run.
    globalSetup: ['./shared/testing/temp-dir-guard.ts'],
  },
});
