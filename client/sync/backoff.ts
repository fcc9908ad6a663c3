/**
 * When to try again: exponential back-off with full jitter after errors
 * (capped), never sooner than the server's Retry-After or wait hint; the
 * regular interval after success (Safe Browsing update protocol).
 */
export interface BackoffPolicy {
  readonly intervalSeconds: number;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { intervalSeconds: 60, baseSeconds: 2, maxSeconds: 3600 };

export function nextDelaySeconds(policy: BackoffPolicy, consecutiveFailures: number, hintSeconds: number | undefined, random: () => number = Math.random): number {
  const floor = hintSeconds ?? 0;
  if (consecutiveFailures === 0) return Math.max(policy.intervalSeconds, floor);
  const ceiling = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(consecutiveFailures - 1, 30));
  return Math.max(floor, random() * ceiling);
}
