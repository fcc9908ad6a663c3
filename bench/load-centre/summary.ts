/**
 * Figures of `npm run load:centre` from what the driver recorded: per route,
 * requests/s, p50/p99 latency, statuses and errors; per process, cores used
 * and RSS. Pure, so the rules (what counts as a failure) have one owner.
 */
import { percentile } from '../harness.ts';
import type { Server } from './mix.ts';

/** What the driver recorded for one route during a phase. */
export interface RouteSamples {
  readonly route: string;
  readonly server: Server;
  /** Response times in ms, one per answered request. */
  readonly latenciesMs: readonly number[];
  /** Answers by HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Requests that got no answer (connection errors, timeouts). */
  readonly errors: number;
  /** When the first and the last answer came (ms, performance.now()). */
  readonly firstAtMs: number;
  readonly lastAtMs: number;
}

export interface RouteFigures {
  readonly route: string;
  readonly server: Server;
  readonly requests: number;
  /** Requests over the phase's wall time. */
  readonly perSecond: number;
  /** Requests between the first answer and the last: the rate held while the route was loaded. */
  readonly activePerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly statuses: Readonly<Record<string, number>>;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function summariseRoute(samples: RouteSamples, seconds: number): RouteFigures {
  const sorted = [...samples.latenciesMs].sort((a, b) => a - b);
  const non2xx = Object.entries(samples.statuses).reduce((n, [status, count]) => (status.startsWith('2') ? n : n + count), 0);
  return {
    route: samples.route,
    server: samples.server,
    requests: sorted.length,
    perSecond: round2(sorted.length / seconds),
    activePerSecond: sorted.length > 1 && samples.lastAtMs > samples.firstAtMs ? round2(((sorted.length - 1) * 1000) / (samples.lastAtMs - samples.firstAtMs)) : 0,
    p50Ms: round2(sorted.length === 0 ? 0 : percentile(sorted, 50)),
    p99Ms: round2(sorted.length === 0 ? 0 : percentile(sorted, 99)),
    maxMs: round2(sorted[sorted.length - 1] ?? 0),
    non2xx,
    errors: samples.errors,
    statuses: { ...samples.statuses },
  };
}

/** CPU and memory of one process over a phase, from /proc samples. */
export interface ProcessFigures {
  readonly pid: number;
  /** User plus system CPU seconds over the phase divided by its wall time: cores used. */
  readonly cores: number;
  readonly cpuSeconds: number;
  readonly rssPeakMb: number;
  readonly rssEndMb: number;
}

export interface ProcessSamples {
  readonly pid: number;
  readonly cpuSecondsStart: number;
  readonly cpuSecondsEnd: number;
  readonly wallSeconds: number;
  readonly rssBytes: readonly number[];
}

export function summariseProcess(samples: ProcessSamples): ProcessFigures {
  const cpuSeconds = samples.cpuSecondsEnd - samples.cpuSecondsStart;
  const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
  return {
    pid: samples.pid,
    cores: samples.wallSeconds > 0 ? round2(cpuSeconds / samples.wallSeconds) : 0,
    cpuSeconds: round2(cpuSeconds),
    rssPeakMb: mb(Math.max(0, ...samples.rssBytes)),
    rssEndMb: mb(samples.rssBytes[samples.rssBytes.length - 1] ?? 0),
  };
}

/** Why a phase fails the run: every route with a non-2xx answer or an error (none are allowed). */
export function failuresOf(phase: string, routes: readonly RouteFigures[]): string[] {
  return routes
    .filter((r) => r.non2xx > 0 || r.errors > 0)
    .map((r) => `${phase}: ${r.route} on the ${r.server}: ${r.non2xx} non-2xx (${JSON.stringify(r.statuses)}), ${r.errors} errors`);
}
