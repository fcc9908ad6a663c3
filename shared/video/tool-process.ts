/**
 * One run of ffmpeg or ffprobe as a child process: spawned from an argument
 * array (never a shell), stdin closed, stdout piped for the caller, the tail
 * of stderr kept for diagnosis. Every run ends in `stop()`, which sends
 * SIGKILL when the child is still alive and waits for it to exit, so no path
 * (error, timeout, abort, a caller that stops reading) leaves a process
 * behind.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { quote } from '../quote.ts';
import { clampTimerMs } from '../timer.ts';
import { VideoError } from './video-error.ts';

/** Which tool a run is, for messages and the test hook. */
export type ToolName = 'ffmpeg' | 'ffprobe';

/** Bytes of stderr kept (the last ones): enough for ffmpeg's final error line. */
const STDERR_TAIL_BYTES = 4096;

export interface ToolRunOptions {
  /** Milliseconds until the child is killed and the run fails with VIDEO_TIMEOUT. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Called with each child's pid once it runs (tests check that none survives). */
  readonly onChild?: ((child: { readonly pid: number; readonly tool: ToolName }) => void) | undefined;
}

export interface ToolExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class ToolProcess {
  readonly tool: ToolName;
  readonly #child: ChildProcessByStdio<null, Readable, Readable>;
  readonly #exited: Promise<ToolExit>;
  readonly #timer: NodeJS.Timeout;
  readonly #onAbort: () => void;
  readonly #signal: AbortSignal | undefined;
  #stderrTail = Buffer.alloc(0);
  #timedOut = false;
  #aborted = false;

  private constructor(tool: ToolName, child: ChildProcessByStdio<null, Readable, Readable>, options: ToolRunOptions) {
    this.tool = tool;
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    // After a successful spawn an 'error' can only be a failed kill of a child already gone; unhandled, it would end the program.
    child.on('error', () => {});
    child.stderr.on('data', (chunk: Buffer) => {
      const joined = Buffer.concat([this.#stderrTail, chunk]);
      this.#stderrTail = joined.subarray(Math.max(0, joined.length - STDERR_TAIL_BYTES));
    });
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#kill();
    }, clampTimerMs(options.timeoutMs));
    this.#signal = options.signal;
    this.#onAbort = () => {
      this.#aborted = true;
      this.#kill();
    };
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /**
   * Starts `path` with `args`. A binary that is missing or not executable
   * fails with VIDEO_DECODER_MISSING; nothing else about video breaks the
   * rest of the program.
   */
  static async start(tool: ToolName, path: string, args: readonly string[], options: ToolRunOptions): Promise<ToolProcess> {
    if (options.signal?.aborted === true) throw new VideoError('VIDEO_ABORTED', `the ${tool} run was aborted before it started`);
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', reject);
      });
    } catch (cause) {
      const code = isErrnoCode(cause);
      if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
        throw new VideoError('VIDEO_DECODER_MISSING', `${tool} is not installed or not executable at the configured path (install Debian's ffmpeg package)`, { cause });
      }
      throw cause;
    }
    const run = new ToolProcess(tool, child, options);
    if (child.pid !== undefined) options.onChild?.({ pid: child.pid, tool });
    return run;
  }

  get stdout(): Readable {
    return this.#child.stdout;
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /**
   * What went wrong, for an error message: the last line the tool wrote to
   * stderr (its own words, which may name the file), quoted and cut to 120
   * characters, or the exit status when it wrote nothing.
   */
  failureReason(exit: ToolExit): string {
    const lines = this.#stderrTail.toString('utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
    const last = lines.at(-1);
    return last === undefined ? `${this.tool}: exit status ${exit.code ?? exit.signal}` : `${this.tool}: ${quote(last, 120)}`;
  }

  /** Waits for the child to exit on its own. */
  async exit(): Promise<ToolExit> {
    const exit = await this.#exited;
    this.#release();
    return exit;
  }

  /** Kills the child if it still runs (SIGKILL) and waits until it has exited. Safe to call more than once. */
  async stop(): Promise<void> {
    this.#kill();
    // Unread output must not hold the pipe, and so the 'close' event, open.
    this.#child.stdout.destroy();
    await this.#exited;
    this.#release();
  }

  /** The error for a run that ended early because of the clock or the caller, if it did. */
  interruption(): VideoError | undefined {
    if (this.#timedOut) return new VideoError('VIDEO_TIMEOUT', `the ${this.tool} run passed its wall-clock limit and was killed`);
    if (this.#aborted) return new VideoError('VIDEO_ABORTED', `the ${this.tool} run was aborted`);
    return undefined;
  }

  #kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  #release(): void {
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }
}

function isErrnoCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
