import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Centre } from '../centre.ts';

/** The labels of a served request: a route pattern (never the raw path), a known method, a status. */
export interface RequestLabels {
  readonly method: string;
  readonly route: string;
  readonly status: number;
}

export interface CentreMetrics {
  readonly registry: Registry;
  observeRequest(labels: RequestLabels, seconds: number): void;
}

export interface CentreMetricsOptions {
  readonly centre: Centre;
  /**
   * prom-client's default process metrics (CPU, memory, event-loop lag, GC,
   * handles). The serving process turns them on; apps built in tests leave
   * them off, since each registry adds its own GC observer.
   */
  readonly processMetrics: boolean;
}

/** The Centre's Prometheus registry: request counts and durations, and the published feed version. */
export function createCentreMetrics(options: CentreMetricsOptions): CentreMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'hashfeed_http_requests_total', help: 'Requests by method, route pattern and status', labelNames, registers: [registry] });
  const durations = new Histogram({
    name: 'hashfeed_http_request_duration_seconds',
    help: 'Time to answer, by method, route pattern and status (until the handler returns; streamed bodies continue)',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [registry],
  });
  const { centre } = options;
  new Gauge({
    name: 'hashfeed_feed_version',
    help: 'The latest published feed version',
    registers: [registry],
    collect() {
      this.set(centre.publisher.latestVersion());
    },
  });
  return {
    registry,
    observeRequest(labels, seconds) {
      const values = { method: labels.method, route: labels.route, status: String(labels.status) };
      requests.inc(values);
      durations.observe(values, seconds);
    },
  };
}
