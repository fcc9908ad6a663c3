/**
 * Drives the load with autocannon's programmatic API: one instance per
 * sidecar state and server, whose request list is that state's round
 * (mix.ts), paced at the mix's rate; and one instance filing prepared
 * reports at a held rate. Every answer is recorded by route.
 *
 * Pacing: autocannon lets each connection send its share of a rate at the
 * start of every second, so the load arrives in bursts each second, harsher
 * than 1,000 independent pollers spread over the interval. A sidecar is
 * modelled as a poll rate, not a connection of its own.
 */
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROUND_KINDS, roundRequests, roundsPerSecond, type FeedMode, type FeedShape, type Server, type SidecarMix } from './mix.ts';
import type { RouteSamples } from './summary.ts';

/** The part of autocannon's API this driver uses (it ships no types). */
interface AutocannonRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}
interface AutocannonClient {
  readonly requestIterator: { readonly currentRequest: { readonly path: string; readonly method?: string } };
}
interface AutocannonResult {
  readonly requests: { readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: AutocannonClient, statusCode: number, bytes: number, responseTimeMs: number) => void): void;
  stop(): void;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  pipelining: number;
  overallRate: number;
  duration?: number;
  amount?: number;
  timeout: number;
  requests: AutocannonRequest[];
}) => AutocannonInstance;

const autocannon: Autocannon = createRequire(import.meta.url)('autocannon');

/** Answers by route, shared by every instance of a phase. */
export class RouteRecorder {
  readonly #routes = new Map<string, { route: string; server: Server; latenciesMs: number[]; statuses: Record<string, number>; errors: number; firstAtMs: number; lastAtMs: number }>();

  record(route: string, server: Server, status: number, latencyMs: number): void {
    const entry = this.#entry(route, server);
    entry.latenciesMs.push(latencyMs);
    const now = performance.now();
    if (entry.latenciesMs.length === 1) entry.firstAtMs = now;
    entry.lastAtMs = now;
    entry.statuses[String(status)] = (entry.statuses[String(status)] ?? 0) + 1;
  }

  /** Requests with no answer, counted against the route they were sent to. */
  failed(route: string, server: Server, count: number): void {
    if (count > 0) this.#entry(route, server).errors += count;
  }

  samples(): RouteSamples[] {
    return [...this.#routes.values()];
  }

  #entry(route: string, server: Server) {
    const key = `${server} ${route}`;
    let entry = this.#routes.get(key);
    if (entry === undefined) {
      entry = { route, server, latenciesMs: [], statuses: {}, errors: 0, firstAtMs: 0, lastAtMs: 0 };
      this.#routes.set(key, entry);
    }
    return entry;
  }
}

/** One autocannon instance of a phase and what it sent (its own latencies are corrected for coordinated omission). */
export interface GeneratorFigures {
  readonly name: string;
  readonly server: Server;
  readonly rate: number;
  readonly connections: number;
  readonly sent: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

export interface Endpoints {
  /** The Centre's base URL (provider lists always, feed objects in centre mode). */
  readonly centre: string;
  /** Where feed objects come from: the Centre, or the mirror. */
  readonly feed: string;
}

/** Round-robin over the provider tokens: each account carries its share of the load. */
function tokenRotation(tokens: readonly string[]): () => string {
  let next = 0;
  return () => tokens[next++ % tokens.length] ?? '';
}

/** A connection per this many requests a second: fewer would queue a second's burst behind itself. */
const REQUESTS_PER_CONNECTION = 20;
const TIMEOUT_SECONDS = 10;
/**
 * Reports a second per connection: a connection sends its share back to
 * back, so at 20/s a report answered in 50 ms (behind the others of the
 * same second's burst) could not keep its rate; many sidecars file at once.
 */
const REPORTS_PER_CONNECTION = 5;

async function runInstance(name: string, server: Server, url: string, rate: number, requests: AutocannonRequest[], recorder: RouteRecorder, routeOf: (path: string) => string, bound: { duration: number } | { amount: number }, connections = Math.max(1, Math.ceil(rate / REQUESTS_PER_CONNECTION))): Promise<GeneratorFigures> {
  const instance = autocannon({ url, connections, pipelining: 1, overallRate: rate, timeout: TIMEOUT_SECONDS, requests, ...bound });
  instance.on('response', (client, status, _bytes, latencyMs) => {
    recorder.record(routeOf(client.requestIterator.currentRequest.path), server, status, latencyMs);
  });
  const result = await instance;
  // autocannon cannot say which request failed: errors count against the instance's first route (the failure check needs only the count).
  const first = requests[0];
  if (first !== undefined) recorder.failed(routeOf(first.path), server, result.errors);
  return { name, server, rate, connections, sent: result.requests.total, p50Ms: result.latency.p50, p99Ms: result.latency.p99, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx };
}

/**
 * The polling mix for `seconds`: for each sidecar state, its round's
 * requests to the feed source and to the Centre, each at rounds/s x
 * requests per round (at least 1/s: autocannon paces whole requests).
 */
export async function drivePolling(options: { mix: SidecarMix; feed: FeedShape; mode: FeedMode; endpoints: Endpoints; tokens: readonly string[]; seconds: number; recorder: RouteRecorder }): Promise<GeneratorFigures[]> {
  const { mix, feed, mode, endpoints, recorder } = options;
  const nextToken = tokenRotation(options.tokens);
  const runs: Promise<GeneratorFigures>[] = [];
  for (const kind of ROUND_KINDS) {
    const rounds = roundsPerSecond(mix, kind);
    if (rounds === 0) continue;
    const planned = roundRequests(kind, feed, mode);
    for (const server of ['feed', 'centre'] as const) {
      const mine = planned.filter((r) => r.server === server);
      if (mine.length === 0) continue;
      const routeByPath = new Map(mine.map((r) => [r.path, r.route]));
      // A mirror is sent no token (it holds no secrets); the Centre always gets one.
      const withToken = server === 'centre' || mode === 'centre';
      const requests: AutocannonRequest[] = mine.map((r) => ({
        method: 'GET',
        path: r.path,
        ...(withToken ? { setupRequest: (request: AutocannonRequest) => ({ ...request, headers: { authorization: `Bearer ${nextToken()}` } }) } : {}),
      }));
      const rate = Math.max(1, Math.round(rounds * mine.length));
      const url = server === 'centre' ? endpoints.centre : endpoints.feed;
      runs.push(runInstance(`${kind} (${server === 'feed' ? mode : 'centre'})`, server, url, rate, requests, recorder, (path) => routeByPath.get(path) ?? path, { duration: options.seconds }));
    }
  }
  return Promise.all(runs);
}

/**
 * Files every prepared report once, at `perSecond` in all, each with its
 * provider's token. autocannon shares request objects between the
 * connections of an instance (and builds each connection's first request
 * ahead), so a body that changes per request needs an instance per
 * connection: one per REPORTS_PER_CONNECTION reports a second, each with
 * its own slice of the reports.
 */
export async function driveReports(options: { url: string; reports: readonly { token: string; envelope: Uint8Array }[]; perSecond: number; recorder: RouteRecorder }): Promise<GeneratorFigures[]> {
  const instances = Math.max(1, Math.min(options.reports.length, Math.ceil(options.perSecond / REPORTS_PER_CONNECTION)));
  const runs = Array.from({ length: instances }, async (_, i) => {
    const mine = options.reports.filter((_, n) => n % instances === i);
    let next = 0;
    const requests: AutocannonRequest[] = [
      {
        method: 'POST',
        path: '/v1/reports',
        setupRequest: (request) => {
          // Never past the slice: autocannon stops at `amount`; were it to ask again, the repeat would show as a duplicate.
          const report = mine[Math.min(next++, mine.length - 1)];
          return report === undefined ? request : { ...request, headers: { authorization: `Bearer ${report.token}`, 'content-type': 'application/msgpack' }, body: Buffer.from(report.envelope) };
        },
      },
    ];
    const rate = Math.max(1, Math.round((options.perSecond * mine.length) / options.reports.length));
    // Each instance paces on its own one-second tick: started evenly apart over a second, they spread the reports over it
    // (started together, all of them would arrive in one burst at the top of every second).
    await sleep((i * 1000) / instances);
    return runInstance(`reports ${i + 1}/${instances}`, 'centre', options.url, rate, requests, options.recorder, () => 'POST /v1/reports', { amount: mine.length }, 1);
  });
  return Promise.all(runs);
}
