/**
 * Worker threads that hash the scans whose hashing would hold the event
 * loop (isHeavyToHash): animations (every frame decoded at full size and
 * hashed), pictures with transparency (composited on white and on black),
 * and large pictures in formats decoded at full size (a 100-megapixel PNG's
 * luma alone took 1.6 s). There the JavaScript work, not libvips' decode, is
 * the bottleneck, and on the main thread it would hold up every other
 * request and leave the other cores idle. A JPEG photo's hashing (about a
 * millisecond after libvips' reduced decode on libuv's pool) stays on the
 * main thread, where the trip to a worker would cost more than it saves
 * (docs/RELIABILITY.md, "Sidecar throughput").
 *
 * Threads start when first needed, up to `threads`; each hashes one scan at
 * a time and the rest wait in order. The scans that can reach here are
 * already bounded by the body and decode budgets, so the wait is too. A
 * thread that dies fails its scan (SCAN_WORKER_FAILED) and is replaced.
 */
import { Worker } from 'node:worker_threads';
import { CodedError } from '../../shared/errors.ts';
import type { ImageViews, ImageViewsOptions } from '../../shared/hashing/image-views.ts';
import { parseScanAnswer, type ScanJob } from './scan-job.ts';

export type ScanWorkerCode = 'SCAN_WORKER_FAILED';

export class ScanWorkerError extends CodedError<ScanWorkerCode> {}

interface Pending {
  readonly job: ScanJob;
  resolve(views: ImageViews): void;
  reject(err: Error): void;
}

interface Thread {
  readonly worker: Worker;
  ready: boolean;
  /** The job it is hashing, if any. */
  current: Pending | undefined;
}

export class ScanWorkers {
  readonly #threads: number;
  readonly #running: Thread[] = [];
  readonly #waiting: Pending[] = [];
  #nextId = 1;
  #closed = false;

  constructor(threads: number) {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError('scan worker threads must be a whole number, 1 or more');
    this.#threads = threads;
  }

  /** Scans being hashed or waiting for a thread. */
  get busy(): number {
    return this.#running.filter((t) => t.current !== undefined).length + this.#waiting.length;
  }

  /** hashImageViews(bytes, options), in a worker thread. The bytes are copied to it; the caller keeps its own. */
  hashViews(bytes: Uint8Array, options: ImageViewsOptions): Promise<ImageViews> {
    if (this.#closed) return Promise.reject(new ScanWorkerError('SCAN_WORKER_FAILED', 'the scan workers are stopped'));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ job: { id: this.#nextId++, bytes, options }, resolve, reject });
      this.#dispatch();
    });
  }

  /** Stops every thread; scans still waiting or running fail. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#waiting.splice(0)) pending.reject(new ScanWorkerError('SCAN_WORKER_FAILED', 'the scan workers were stopped'));
    await Promise.all(this.#running.splice(0).map((t) => t.worker.terminate()));
  }

  #dispatch(): void {
    for (;;) {
      const pending = this.#waiting[0];
      if (pending === undefined) return;
      const thread = this.#running.find((t) => t.ready && t.current === undefined);
      if (thread === undefined) {
        // Every thread busy (or starting): start another if allowed; the job waits either way.
        if (this.#running.length < this.#threads) this.#start();
        return;
      }
      this.#waiting.shift();
      thread.current = pending;
      thread.worker.postMessage(pending.job);
    }
  }

  #start(): void {
    // None of the process's preloads: its entry loads what it needs (a preload the thread cannot load would stop it starting).
    const worker = new Worker(new URL('./scan-worker.js', import.meta.url), { execArgv: [] });
    // An idle thread must not keep the process alive.
    worker.unref();
    const thread: Thread = { worker, ready: false, current: undefined };
    this.#running.push(thread);
    worker.on('message', (message: unknown) => {
      if (typeof message === 'object' && message !== null && Reflect.get(message, 'ready') === true) {
        thread.ready = true;
        this.#dispatch();
        return;
      }
      const answer = parseScanAnswer(message);
      const pending = thread.current;
      if (answer === undefined || pending === undefined || answer.id !== pending.job.id) return;
      thread.current = undefined;
      if ('failure' in answer) pending.reject(new ScanWorkerError('SCAN_WORKER_FAILED', `hashing failed in a scan worker: ${answer.failure}`));
      else pending.resolve(answer.views);
      this.#dispatch();
    });
    const lost = (cause: unknown): void => {
      const at = this.#running.indexOf(thread);
      if (at < 0) return;
      this.#running.splice(at, 1);
      thread.current?.reject(new ScanWorkerError('SCAN_WORKER_FAILED', 'a scan worker thread stopped while hashing', { cause }));
      thread.current = undefined;
      if (this.#closed) return;
      if (!thread.ready) {
        // It never started: starting another would fail the same way, in a loop. The scans waiting fail; the next scan tries again.
        for (const pending of this.#waiting.splice(0)) pending.reject(new ScanWorkerError('SCAN_WORKER_FAILED', 'a scan worker thread could not start', { cause }));
        return;
      }
      this.#dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`exit code ${code}`)));
  }
}
