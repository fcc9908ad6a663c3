import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const CHILD = join(import.meta.dirname, 'testing', 'stop-signal-child.ts');

interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  /** Resolves once the child has printed `line` (at any time since it started). */
  printed(line: string): Promise<void>;
  readonly exitCode: Promise<number | null>;
}

describe('untilStopSignal', () => {
  const children: ChildProcessWithoutNullStreams[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  function start(): Child {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD]);
    children.push(child);
    let output = '';
    const waiting = new Set<() => void>();
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      for (const check of waiting) check();
    });
    const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return {
      process: child,
      exitCode,
      printed: (line) =>
        new Promise<void>((resolve, reject) => {
          const check = (): void => {
            if (!output.split('\n').includes(line)) return;
            waiting.delete(check);
            resolve();
          };
          waiting.add(check);
          check();
          void exitCode.then((code) => reject(new Error(`exited (${code}) before printing '${line}'; printed: ${output}`)));
        }),
    };
  }

  describe('when SIGTERM arrives', () => {
    it('runs the drain to its end, then lets the process exit 0', async () => {
      const child = start();
      await child.printed('ready');
      child.process.kill('SIGTERM');
      await child.printed('stopping');
      child.process.stdin.write('drained\n');
      await child.printed('stopped');
      expect(await child.exitCode).toBe(0);
    });
  });

  describe('when a second signal arrives during the drain', () => {
    it.each([
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const)('exits at once on %s with %d', async (signal, status) => {
      const child = start();
      await child.printed('ready');
      child.process.kill('SIGTERM');
      await child.printed('stopping');
      child.process.kill(signal);
      expect(await child.exitCode).toBe(status);
    });
  });
});
