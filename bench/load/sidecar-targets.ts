/**
 * The sidecar's throughput targets (issue 15), checked against a load run's
 * phases: at concurrency 1, at least 85% of the CLI's one-core PDQ rate on
 * the same file; at concurrency 16, at least 1.9x the concurrency-1
 * throughput with a p99 no more than twice its own p50; and no errors.
 */
import type { PhaseResult } from './phase.ts';

export interface TargetCheck {
  readonly says: string;
  /** Null when the run did not include the phase the target needs. */
  readonly observed: number | null;
  readonly limit: number;
  readonly held: boolean;
}

export const C1_OF_CLI = 0.85;
export const C16_OF_C1 = 1.9;
export const C16_P99_OF_P50 = 2;

function check(says: string, observed: number | null, limit: number, atLeast: boolean): TargetCheck {
  return { says, observed, limit, held: observed !== null && (atLeast ? observed >= limit : observed <= limit) };
}

/** `cliPerSecond`: the CLI's one-core PDQ rate measured in the same run (the higher of its measurements before and after). */
export function checkTargets(phases: readonly PhaseResult[], cliPerSecond: number): TargetCheck[] {
  const at = (connections: number): PhaseResult | undefined => phases.find((p) => p.connections === connections);
  const c1 = at(1);
  const c16 = at(16);
  const checks = [
    check('concurrency 1: scans/s of the CLI one-core PDQ rate', c1 === undefined ? null : c1.okPerSecond / cliPerSecond, C1_OF_CLI, true),
    check('concurrency 16: scans/s of concurrency 1', c1 === undefined || c16 === undefined ? null : c16.okPerSecond / c1.okPerSecond, C16_OF_C1, true),
    check('concurrency 16: p99 latency over p50', c16 === undefined ? null : c16.latencyMs.p99 / c16.latencyMs.p50, C16_P99_OF_P50, false),
  ];
  const failures = phases.reduce((n, p) => n + unexpectedErrors(p) + p.timeouts + otherThanOkOrBusy(p), 0);
  checks.push(check('errors (but resets after a 503), timeouts, answers other than 2xx or 503', failures, 0, false));
  return checks;
}

/**
 * The sidecar's documented memory bound at its default limits
 * (docs/SIDECAR.md, "Limits"): a resident baseline of 200 MB (runtime,
 * libvips, the replica and its index at this feed's size), plus the room for
 * request bodies (bodyBudgetBytes, 256 MiB), plus 20 bytes per pixel of the
 * decode budget (decodeBudgetPixels, 100 megapixels).
 */
export const DEFAULT_RSS_BOUND_BYTES = 200 * 1024 * 1024 + 256 * 1024 * 1024 + 20 * 100_000_000;

/** Every phase's peak RSS under the bound, whatever its concurrency and image size. */
export function checkMemory(phases: readonly PhaseResult[], boundBytes = DEFAULT_RSS_BOUND_BYTES): TargetCheck {
  return check('peak RSS of every phase, MB (bound: 200 MB + bodyBudgetBytes + 20 B x decodeBudgetPixels)', Math.max(0, ...phases.map((p) => p.rssPeakBytes)) / 1024 / 1024, boundBytes / 1024 / 1024, false);
}

/** One table row per phase: throughput, its ratios, latency, refusals, CPU and memory. */
export function phaseRows(phases: readonly PhaseResult[], cliPerSecond: number): Record<string, string | number>[] {
  const c1 = phases.find((p) => p.connections === 1);
  return phases.map((p) => ({
    concurrency: p.connections,
    'scans/s': p.okPerSecond.toFixed(1),
    'x c=1': c1 === undefined ? '-' : (p.okPerSecond / c1.okPerSecond).toFixed(2),
    'of CLI 1-core': `${((100 * p.okPerSecond) / cliPerSecond).toFixed(0)}%`,
    'p50 ms': p.latencyMs.p50.toFixed(1),
    'p99 ms': p.latencyMs.p99.toFixed(1),
    'p99/p50': (p.latencyMs.p99 / Math.max(p.latencyMs.p50, 1e-9)).toFixed(2),
    '503': p.statuses['503'] ?? 0,
    'resets after 503': (p.statuses['503'] ?? 0) > 0 ? p.errors - unexpectedErrors(p) : 0,
    'other non-2xx': otherThanOkOrBusy(p),
    'sidecar cores': p.targetCores.toFixed(2),
    'generator cores': p.generatorCores.toFixed(2),
    'RSS peak MB': (p.rssPeakBytes / 1024 / 1024).toFixed(0),
    'loop delay max ms': p.loopDelayMaxMs.toFixed(0),
  }));
}

/** Answers that are neither a scan (2xx) nor back-pressure (503 with Retry-After). */
function otherThanOkOrBusy(p: PhaseResult): number {
  return Object.entries(p.statuses).reduce((n, [code, count]) => (code.startsWith('2') || code === '503' ? n : n + count), 0);
}

/**
 * Connection errors other than resets of a connection the sidecar answered
 * 503 and closed before reading the body (docs/SIDECAR.md, "Limits"): a
 * client still writing a large body then sees the reset, which autocannon
 * counts as an error (undici's fetch reads the 503: bin/sidecar-limits.test.ts).
 */
function unexpectedErrors(p: PhaseResult): number {
  const resets = (p.errorCodes.ECONNRESET ?? 0) + (p.errorCodes.EPIPE ?? 0);
  return (p.statuses['503'] ?? 0) > 0 ? Math.max(0, p.errors - resets) : p.errors;
}
