/**
 * Token buckets per caller (a token id, or the client address for public
 * routes and failed logins). In memory: limits protect one process; a
 * restart forgives.
 */
export interface RateLimitConfig {
  /** Requests allowed in a burst. */
  readonly burst: number;
  /** Sustained requests per second (may be a fraction: 0.1 is one per 10 s). */
  readonly perSecond: number;
}

/** Buckets kept by default: beyond it the least recently used is dropped. */
export const DEFAULT_MAX_BUCKETS = 100_000;

type Bucket = { tokens: number; at: number };

export class RateLimiter {
  readonly #config: RateLimitConfig;
  readonly #maxKeys: number;
  /** In use order: a Map iterates in insertion order, and every use re-inserts, so the first key is the least recently used. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(config: RateLimitConfig, options: { maxKeys?: number } = {}) {
    this.#config = config;
    this.#maxKeys = Math.max(1, options.maxKeys ?? DEFAULT_MAX_BUCKETS);
  }

  /** Buckets held now (at most maxKeys). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one request; returns 0 when allowed, else the seconds until one would be. */
  take(key: string, now: number): number {
    const bucket = this.#use(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.#secondsUntilOne(bucket);
  }

  /** The seconds until `key` could take a request (0: it could now), without taking one. */
  wait(key: string, now: number): number {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return 0;
    const tokens = this.#refilled(bucket, now);
    return tokens >= 1 ? 0 : this.#secondsUntilOne({ tokens, at: now });
  }

  /** The key's bucket refilled to `now`, moved to the most recently used end; evicts the least recently used past the cap. */
  #use(key: string, now: number): Bucket {
    const bucket = this.#buckets.get(key) ?? { tokens: this.#config.burst, at: now };
    bucket.tokens = this.#refilled(bucket, now);
    bucket.at = now;
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    while (this.#buckets.size > this.#maxKeys) {
      const oldest = this.#buckets.keys().next();
      if (oldest.done === true) break;
      this.#buckets.delete(oldest.value);
    }
    return bucket;
  }

  /**
   * The bucket's tokens at `now`. `now` is the wall clock, which may step
   * back: time that runs backwards adds nothing and takes nothing (a
   * negative refill would lock every caller out for the length of the step).
   */
  #refilled(bucket: Bucket, now: number): number {
    const elapsedMs = Math.max(0, now - bucket.at);
    return Math.min(this.#config.burst, bucket.tokens + (elapsedMs / 1000) * this.#config.perSecond);
  }

  #secondsUntilOne(bucket: Bucket): number {
    return (1 - bucket.tokens) / this.#config.perSecond;
  }
}
