import { clampTimerMs } from '../../shared/timer.ts';

/**
 * When to try again, for every retry of the sidecar (feed sync, order
 * refresh and report delivery): exponential back-off with full jitter after
 * failures, never sooner than the server's Retry-After or wait hint, and
 * never longer than `maxHintMs` because of one (Safe Browsing update
 * protocol; a hostile mirror, CDN or proxy may ask for years).
 */
export interface BackoffPolicy {
  /** Ceiling of the first retry's delay (ms); it doubles per consecutive failure. */
  readonly baseMs: number;
  /** Ceiling of the jittered delay (ms). */
  readonly maxMs: number;
  /** Retry-After and server wait hints are obeyed up to this (ms); default DEFAULT_MAX_HINT_MS. */
  readonly maxHintMs?: number;
}

/** One hour: the longest a server's word alone makes the sidecar wait. */
export const DEFAULT_MAX_HINT_MS = 3_600_000;

/** A server's wait hint (ms) as obeyed: 0 when absent or unreadable, at most the policy's cap. */
export function boundedHintMs(hintMs: number | undefined, policy: Pick<BackoffPolicy, 'maxHintMs'>): number {
  if (hintMs === undefined || Number.isNaN(hintMs)) return 0;
  return Math.min(policy.maxHintMs ?? DEFAULT_MAX_HINT_MS, Math.max(0, hintMs));
}

/**
 * The delay (ms) before the next try after `failures` consecutive failures
 * (1 or more): uniform in [0, min(maxMs, baseMs * 2^(failures - 1))], and
 * never sooner than the bounded hint. Safe for setTimeout.
 */
export function retryDelayMs(policy: BackoffPolicy, failures: number, hintMs: number | undefined, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(0, failures - 1), 30));
  return clampTimerMs(Math.max(boundedHintMs(hintMs, policy), Math.floor(random() * ceiling)));
}

/**
 * The longest delay (ms) retryDelayMs can return under `policy`. A wait
 * scheduled further ahead than this was scheduled by a clock since stepped
 * back, and is due now rather than after the step.
 */
export function longestRetryDelayMs(policy: BackoffPolicy): number {
  return clampTimerMs(Math.max(policy.maxMs, policy.maxHintMs ?? DEFAULT_MAX_HINT_MS));
}

/** The delay (ms) after a success: the regular interval, or longer when the server asks (up to the cap). */
export function intervalDelayMs(intervalMs: number, hintMs: number | undefined, policy: Pick<BackoffPolicy, 'maxHintMs'>): number {
  return clampTimerMs(Math.max(intervalMs, boundedHintMs(hintMs, policy)));
}
