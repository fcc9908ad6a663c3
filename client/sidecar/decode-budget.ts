import { CodedError } from '../../shared/errors.ts';
import { clampTimerMs } from '../../shared/timer.ts';

export type DecodeBudgetCode = 'OVERLOADED' | 'IMAGE_OVER_BUDGET';

/** A decode the budget cannot take: now (503, retry later) or ever (413). */
export class DecodeBudgetError extends CodedError<DecodeBudgetCode> {
  readonly status: 503 | 413;
  /** For OVERLOADED: the Retry-After to send. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: DecodeBudgetCode, message: string, retryAfterSeconds?: number, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = code === 'OVERLOADED' ? 503 : 413;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface DecodeBudgetOptions {
  /** Pixels that may be decoded at once (or, for a body budget, bytes held at once), over all requests. */
  readonly pixels: number;
  /** What the budget counts (default pixels being decoded); `bytes`: request bodies held in memory; `videos`: videos being hashed. */
  readonly unit?: 'pixels' | 'bytes' | 'videos';
  /** Decodes that may wait for pixels; past it OVERLOADED at once (0: never wait). */
  readonly queueLength: number;
  /** How long one waits before OVERLOADED. */
  readonly queueWaitMs: number;
  /** Sent with OVERLOADED. */
  readonly retryAfterSeconds: number;
}

/**
 * Peak resident memory per pixel of one scan of a 100-megapixel RGB PNG,
 * measured at 16.0 to 16.1 bytes when it is hashed in a scan worker thread,
 * as such pictures now are (10.4 on the main thread; docs/SIDECAR.md:
 * libvips' and sharp's pixel buffers, the luma plane, PDQ's filters, and the
 * thread's own allocator arena), with room for fragmentation under load (at
 * 18 bytes, a load run's peak came within 1% of the bound). The default
 * budget is derived from it.
 */
export const BYTES_PER_DECODED_PIXEL = 20;

/** Memory the default budget lets decodes take: 2 GB, one image at the 100-megapixel limit. */
export const DEFAULT_DECODE_MEMORY_BYTES = 2_000_000_000;

/** 100 megapixels: one image at the 100-megapixel image limit, two of 50, or some sixty 1600x1004 photos, at once. */
export const DEFAULT_DECODE_BUDGET_PIXELS = DEFAULT_DECODE_MEMORY_BYTES / BYTES_PER_DECODED_PIXEL;

export const DEFAULT_DECODE_QUEUE_LENGTH = 8;
export const DEFAULT_DECODE_QUEUE_WAIT_MS = 5_000;
export const DEFAULT_RETRY_AFTER_SECONDS = 2;

interface Waiter {
  readonly pixels: number;
  grant(): void;
}

/**
 * Memory request bodies may hold at once by default: 256 MiB. A scan takes
 * its declared length (or the largest body it may send) from this budget
 * before its body is read, so the bodies held at once stay under it however
 * many clients send at once (docs/SIDECAR.md, "Limits").
 */
export const DEFAULT_BODY_BUDGET_BYTES = 256 * 1024 * 1024;
/** Requests that may wait for room for their bodies (which wait unread, holding no memory). */
export const DEFAULT_BODY_QUEUE_LENGTH = 64;

/**
 * The process-wide allowance of pixels being decoded at once (or, with
 * `unit: 'bytes'`, of request-body bytes held at once). A decode
 * acquires its image's pixel count (from the header, before decoding) and
 * releases it when done, on every path. When the pixels are taken a decode
 * waits in a short FIFO queue for a bounded time, or is refused with
 * OVERLOADED; nothing queues without bound. An image larger than the whole
 * budget can never run and is refused with IMAGE_OVER_BUDGET.
 */
export class DecodeBudget {
  readonly #capacity: number;
  readonly #queueLength: number;
  readonly #queueWaitMs: number;
  readonly #retryAfterSeconds: number;
  readonly #unit: 'pixels' | 'bytes' | 'videos';
  readonly #waiters: Waiter[] = [];
  #inUse = 0;

  constructor(options: DecodeBudgetOptions) {
    const { pixels, queueLength, queueWaitMs, retryAfterSeconds } = options;
    if (!Number.isSafeInteger(pixels) || pixels < 1) throw new RangeError('the decode budget must be a positive whole number of pixels');
    if (!Number.isSafeInteger(queueLength) || queueLength < 0) throw new RangeError('the decode queue length must be a whole number, 0 or more');
    if (!Number.isFinite(queueWaitMs) || queueWaitMs < 0) throw new RangeError('the decode queue wait must be 0 ms or more');
    if (!Number.isSafeInteger(retryAfterSeconds) || retryAfterSeconds < 1) throw new RangeError('Retry-After must be a whole number of seconds, 1 or more');
    this.#capacity = pixels;
    this.#queueLength = queueLength;
    this.#queueWaitMs = clampTimerMs(queueWaitMs);
    this.#retryAfterSeconds = retryAfterSeconds;
    this.#unit = options.unit ?? 'pixels';
  }

  get capacity(): number {
    return this.#capacity;
  }

  get inUse(): number {
    return this.#inUse;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Takes `pixels` from the budget; resolves with an idempotent release.
   * Rejects with DecodeBudgetError; a request aborted while it waits (its
   * client went away) is answered OVERLOADED too, with the abort as cause:
   * an answer to a departed client, not a fault to log.
   */
  acquire(pixels: number, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted === true) return Promise.reject(this.#aborted(signal.reason));
    const weight = Math.max(0, Math.ceil(pixels));
    if (weight > this.#capacity) {
      return Promise.reject(new DecodeBudgetError('IMAGE_OVER_BUDGET', `the image needs ${weight} pixels decoded at once, over the sidecar's whole decode budget of ${this.#capacity}`));
    }
    // Waiters are served in order: taking pixels past them would starve a large image.
    if (this.#waiters.length === 0 && this.#inUse + weight <= this.#capacity) return Promise.resolve(this.#take(weight));
    if (this.#waiters.length >= this.#queueLength) return Promise.reject(this.#overloaded());
    return new Promise((resolve, reject) => {
      const leave = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
      };
      const waiter: Waiter = {
        pixels: weight,
        grant: () => {
          leave();
          resolve(this.#take(weight));
        },
      };
      const onAbort = (): void => {
        leave();
        reject(this.#aborted(signal?.reason));
        this.#grantWaiters();
      };
      const timer = setTimeout(() => {
        leave();
        reject(this.#overloaded());
        // The head may have been the one blocking smaller waiters behind it.
        this.#grantWaiters();
      }, this.#queueWaitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Runs `task` holding `pixels`, releasing them however it ends. */
  async run<T>(pixels: number, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(pixels, signal);
    try {
      return await task();
    } finally {
      release();
    }
  }

  #take(weight: number): () => void {
    this.#inUse += weight;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse -= weight;
      this.#grantWaiters();
    };
  }

  #grantWaiters(): void {
    for (let head = this.#waiters[0]; head !== undefined && this.#inUse + head.pixels <= this.#capacity; head = this.#waiters[0]) head.grant();
  }

  #aborted(cause: unknown): DecodeBudgetError {
    const budget = { pixels: 'the decode budget', bytes: 'room for its body', videos: 'a video slot' }[this.#unit];
    return new DecodeBudgetError('OVERLOADED', `the request was aborted while it waited for ${budget}`, this.#retryAfterSeconds, { cause });
  }

  #overloaded(): DecodeBudgetError {
    const busy = {
      pixels: 'decoding as many pixels as it may at once',
      bytes: 'holding as many bytes of request bodies as it may at once',
      videos: 'hashing as many videos as it may at once, with as many waiting',
    }[this.#unit];
    return new DecodeBudgetError('OVERLOADED', `the sidecar is ${busy}; retry later`, this.#retryAfterSeconds);
  }
}
