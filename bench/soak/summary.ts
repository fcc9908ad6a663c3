/**
 * The soak's verdict: per process and metric, start/end/max, the
 * least-squares slope over the second half of the run (after warm-up), and
 * whether each stays under its documented bound (docs/RELIABILITY.md, Soak).
 */

export const METRICS = ['rssBytes', 'heapUsedBytes', 'openFds', 'walBytes', 'loopDelayP99Ms', 'loopDelayMaxMs'] as const;
export type Metric = (typeof METRICS)[number];

/** One sample of one process: minutes since the start, and its figures. */
export interface TimedSample {
  readonly minutes: number;
  readonly values: Readonly<Record<Metric, number>>;
}

export interface MetricSummary {
  readonly metric: Metric;
  readonly start: number;
  readonly end: number;
  readonly max: number;
  /** Units per minute over the second half (null for fewer than two samples there). */
  readonly slopePerMinute: number | null;
}

/** What a bound checks, and the value it allows. */
export interface Bound {
  readonly metric: Metric;
  readonly rule: 'slope' | 'max' | 'growth';
  readonly limit: number;
  /** A sentence for the summary and the docs. */
  readonly says: string;
}

export interface BoundCheck {
  readonly bound: Bound;
  readonly observed: number | null;
  readonly held: boolean;
}

const MB = 1024 * 1024;

/**
 * The bounds a soak of any length must hold, for each process. Memory may
 * rise while caches, JIT and SQLite's page cache warm up, so its growth is
 * judged by the slope over the second half only; WAL files must stay small
 * because checkpoints run; descriptors may move with sockets but not climb.
 */
export const BOUNDS: readonly Bound[] = [
  { metric: 'rssBytes', rule: 'slope', limit: 1 * MB, says: 'RSS grows less than 1 MB/min over the second half' },
  { metric: 'heapUsedBytes', rule: 'slope', limit: 0.5 * MB, says: 'heap used grows less than 0.5 MB/min over the second half' },
  { metric: 'walBytes', rule: 'max', limit: 64 * MB, says: 'WAL files stay under 64 MB (checkpoints run)' },
  { metric: 'openFds', rule: 'growth', limit: 8, says: 'open descriptors at most 8 above the first half\'s maximum' },
  { metric: 'loopDelayP99Ms', rule: 'max', limit: 500, says: 'event-loop delay p99 (per sample interval) under 500 ms' },
];

/** Least-squares slope of y against x; null for fewer than two points or no spread in x. */
export function slope(points: readonly (readonly [number, number])[]): number | null {
  if (points.length < 2) return null;
  const meanX = points.reduce((s, [x]) => s + x, 0) / points.length;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / points.length;
  let covariance = 0;
  let variance = 0;
  for (const [x, y] of points) {
    covariance += (x - meanX) * (y - meanY);
    variance += (x - meanX) ** 2;
  }
  return variance === 0 ? null : covariance / variance;
}

/** The samples taken in the second half of the run (the run's length is its last sample's time). */
function secondHalf(samples: readonly TimedSample[]): readonly TimedSample[] {
  const half = (samples[samples.length - 1]?.minutes ?? 0) / 2;
  return samples.filter((s) => s.minutes >= half);
}

export function summarise(samples: readonly TimedSample[]): MetricSummary[] {
  const late = secondHalf(samples);
  return METRICS.map((metric) => {
    const values = samples.map((s) => s.values[metric]);
    return {
      metric,
      start: values[0] ?? 0,
      end: values[values.length - 1] ?? 0,
      max: values.length === 0 ? 0 : Math.max(...values),
      slopePerMinute: slope(late.map((s) => [s.minutes, s.values[metric]])),
    };
  });
}

/** Each bound against one process's samples. A bound with nothing to judge (too short a run) does not hold. */
export function checkBounds(samples: readonly TimedSample[], bounds: readonly Bound[] = BOUNDS): BoundCheck[] {
  const late = secondHalf(samples);
  const early = samples.filter((s) => !late.includes(s));
  return bounds.map((bound) => {
    const all = samples.map((s) => s.values[bound.metric]);
    let observed: number | null;
    if (bound.rule === 'slope') observed = slope(late.map((s) => [s.minutes, s.values[bound.metric]]));
    else if (bound.rule === 'max') observed = all.length === 0 ? null : Math.max(...all);
    else observed = early.length === 0 || late.length === 0 ? null : Math.max(...late.map((s) => s.values[bound.metric])) - Math.max(...early.map((s) => s.values[bound.metric]));
    return { bound, observed, held: observed !== null && (bound.rule === 'growth' ? observed <= bound.limit : observed < bound.limit) };
  });
}
