/**
 * One timed load phase: autocannon at a fixed concurrency against one route,
 * while the target process is sampled for CPU and memory. Loopback only.
 */
import autocannon from 'autocannon';
import type { ProcessSample } from '../soak/child.ts';
import { assertLoopback } from './loopback.ts';
import { cpuSeconds } from './process-usage.ts';

export interface PhaseOptions {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly connections: number;
  readonly seconds: number;
  /** The target process: its CPU time is read from /proc. */
  readonly pid: number;
  /** RSS, heap and event-loop figures of the target, sampled every `sampleEveryMs`. */
  readonly sample: () => Promise<ProcessSample>;
  readonly sampleEveryMs?: number;
}

export interface PhaseResult {
  readonly connections: number;
  readonly seconds: number;
  /** 2xx answers per second over the phase. */
  readonly okPerSecond: number;
  readonly ok: number;
  /** Answers by status code. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Connection errors and timeouts (none allowed, but see `errorCodes`). */
  readonly errors: number;
  /** The connection errors by code (ECONNRESET, EPIPE, ...). */
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly timeouts: number;
  /** Latency of every answer, ms. */
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
  /** Cores the target used on average (CPU seconds over wall seconds). */
  readonly targetCores: number;
  /** Cores this process (the load generator) used. */
  readonly generatorCores: number;
  readonly rssPeakBytes: number;
  readonly rssEndBytes: number;
  readonly loopDelayMaxMs: number;
}

export async function runPhase(options: PhaseOptions): Promise<PhaseResult> {
  assertLoopback(options.url);
  const samples: ProcessSample[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push(await options.sample());
      await new Promise((done) => setTimeout(done, options.sampleEveryMs ?? 500));
    }
  })();
  const cpuBefore = cpuSeconds(options.pid);
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  let result: autocannon.Result;
  const errorCodes: Record<string, number> = {};
  try {
    result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: options.url,
          method: options.method,
          headers: { ...options.headers },
          ...(options.body === undefined ? {} : { body: options.body }),
          connections: options.connections,
          duration: options.seconds,
          pipelining: 1,
          timeout: 60,
        },
        (err, done) => (err === null || err === undefined ? resolve(done) : reject(err)),
      );
      instance.on('reqError', (err: unknown) => {
        const code = typeof err === 'object' && err !== null ? String(Reflect.get(err, 'code') ?? 'unknown') : 'unknown';
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      });
    });
  } finally {
    sampling = false;
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const cpuUsed = cpuSeconds(options.pid) - cpuBefore;
  const own = process.cpuUsage(ownBefore);
  await sampler;
  samples.push(await options.sample());
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  const ok = result['2xx'];
  return {
    connections: options.connections,
    seconds: wallSeconds,
    okPerSecond: ok / result.duration,
    ok,
    statuses,
    errors: result.errors,
    errorCodes,
    timeouts: result.timeouts,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
    targetCores: cpuUsed / wallSeconds,
    generatorCores: (own.user + own.system) / 1e6 / wallSeconds,
    rssPeakBytes: Math.max(...samples.map((s) => s.rssBytes)),
    rssEndBytes: samples.at(-1)?.rssBytes ?? 0,
    loopDelayMaxMs: Math.max(...samples.map((s) => s.loopDelayMaxMs)),
  };
}
