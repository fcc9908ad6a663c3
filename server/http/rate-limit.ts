/**
 * Token buckets per caller (a token id, or the client address for public
 * routes). In memory: limits protect one process; a restart forgives.
 */
export interface RateLimitConfig {
  /** Requests allowed in a burst. */
  readonly burst: number;
  /** Sustained requests per second. */
  readonly perSecond: number;
}

export class RateLimiter {
  readonly #config: RateLimitConfig;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(config: RateLimitConfig) {
    this.#config = config;
  }

  /** Takes one request; returns 0 when allowed, else the seconds until one would be. */
  take(key: string, now: number): number {
    const { burst, perSecond } = this.#config;
    const bucket = this.#buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    if (this.#buckets.size > 100_000) this.#buckets.clear();
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / perSecond;
  }
}
