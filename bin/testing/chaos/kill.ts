import { spawn } from 'node:child_process';

export type KillOutcome = 'killed' | 'finished';

export interface KillRun {
  readonly outcome: KillOutcome;
  /** Milliseconds from the child's start marker to its exit. */
  readonly elapsedMs: number;
  /** What the child printed before it died. */
  readonly output: string;
}

/**
 * Runs `node --import tsx script ...args` and sends SIGKILL `delayMs` after it
 * prints `startMarker` (never, when `delayMs` is null); resolves whether it
 * printed `doneMarker` before it died. A child that never starts is killed
 * after `timeoutMs`, so that a hung child cannot hang the chaos run.
 */
export function runAndKill(script: string, args: readonly string[], markers: { start: string; done: string }, delayMs: number | null, timeoutMs = 120_000): Promise<KillRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    let startedAt: number | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const watchdog = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (startedAt === undefined && output.includes(markers.start)) {
        startedAt = performance.now();
        if (delayMs !== null) killTimer = setTimeout(() => child.kill('SIGKILL'), Math.max(0, Math.min(delayMs, timeoutMs)));
      }
    });
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(watchdog);
      clearTimeout(killTimer);
      resolve({ outcome: output.includes(markers.done) ? 'finished' : 'killed', elapsedMs: startedAt === undefined ? 0 : performance.now() - startedAt, output });
    });
  });
}
