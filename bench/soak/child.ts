import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../shared/testing/vectors.ts';
import { HASHFEED_CLI } from '../centre-process.ts';
import { residentBytes } from '../load/process-usage.ts';

/** One figure set of one process at one moment. */
export interface ProcessSample {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly openFds: number;
  readonly walBytes: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

/** How long a child may take to answer a sample request before the soak fails. */
const SAMPLE_TIMEOUT_MS = 10_000;
/** How long a child may take to stop on SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 15_000;

/**
 * A `hashfeed` CLI process with the soak probe loaded: it answers heap and
 * event-loop figures over IPC; RSS and file descriptors come from /proc, WAL
 * sizes from the SQLite files under `dataDir`.
 */
export class SoakChild {
  readonly name: string;
  readonly process: ChildProcess;
  readonly #dataDir: string;
  #stdout = '';

  constructor(name: string, args: readonly string[], dataDir: string) {
    this.name = name;
    this.#dataDir = dataDir;
    this.process = spawn(process.execPath, [...HASHFEED_CLI.slice(0, 2), '--import', join(repoRoot, 'bench', 'soak', 'probe.ts'), ...HASHFEED_CLI.slice(2), ...args], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    // Keep only the head of its output: enough to find the line the soak waits for, never an unbounded buffer.
    this.process.stdout?.on('data', (chunk: Buffer) => {
      if (this.#stdout.length < 1 << 16) this.#stdout += chunk.toString();
    });
  }

  /** Resolves with the first match of `pattern` in the child's output; rejects if it exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = pattern.exec(this.#stdout)?.[1];
        if (found === undefined) return;
        done();
        resolve(found);
      };
      const exited = (): void => (done(), reject(new Error(`${this.name} exited before it was ready`)));
      const timer = setTimeout(() => (done(), reject(new Error(`${this.name} was not ready after ${timeoutMs} ms`))), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.process.stdout?.off('data', check);
        this.process.off('exit', exited);
      };
      this.process.stdout?.on('data', check);
      this.process.once('exit', exited);
      check();
    });
  }

  async sample(): Promise<ProcessSample> {
    const pid = this.process.pid;
    if (pid === undefined || this.process.exitCode !== null) throw new Error(`${this.name} is not running`);
    const probe = await new Promise<{ heapUsed: number; loopDelayP99Ms: number; loopDelayMaxMs: number }>((resolve, reject) => {
      const timer = setTimeout(() => (this.process.off('message', onMessage), reject(new Error(`${this.name} did not answer a sample`))), SAMPLE_TIMEOUT_MS);
      const onMessage = (message: unknown): void => {
        if (typeof message !== 'object' || message === null || Reflect.get(message, 'soak') !== 'sample') return;
        const [heapUsed, loopDelayP99Ms, loopDelayMaxMs] = ['heapUsed', 'loopDelayP99Ms', 'loopDelayMaxMs'].map((k) => Reflect.get(message, k));
        clearTimeout(timer);
        this.process.off('message', onMessage);
        if (typeof heapUsed !== 'number' || typeof loopDelayP99Ms !== 'number' || typeof loopDelayMaxMs !== 'number') reject(new Error(`${this.name} sent a malformed sample`));
        else resolve({ heapUsed, loopDelayP99Ms, loopDelayMaxMs });
      };
      this.process.on('message', onMessage);
      this.process.send('soak:sample');
    });
    return {
      rssBytes: residentBytes(pid),
      heapUsedBytes: probe.heapUsed,
      openFds: readdirSync(`/proc/${pid}/fd`).length,
      walBytes: walBytes(this.#dataDir),
      loopDelayP99Ms: probe.loopDelayP99Ms,
      loopDelayMaxMs: probe.loopDelayMaxMs,
    };
  }

  /** The paths of its open descriptors (for a leak report: what kind of file grows). */
  openFdTargets(): string[] {
    const pid = this.process.pid;
    if (pid === undefined) return [];
    const dir = `/proc/${pid}/fd`;
    return readdirSync(dir).map((fd) => {
      try {
        return readlinkSync(join(dir, fd));
      } catch {
        return 'closed';
      }
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited within the stop timeout. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}


/** The sizes of every SQLite write-ahead log under `dir` (two levels deep: a sidecar keeps its replica in a subfolder). */
function walBytes(dir: string, depth = 2): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && depth > 0) total += walBytes(path, depth - 1);
    else if (entry.isFile() && entry.name.endsWith('-wal')) total += statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  }
  return total;
}
