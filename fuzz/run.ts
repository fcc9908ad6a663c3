import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import type { FuzzCase, Outcome, RegisteredTarget } from './target.ts';

export interface RunOptions {
  readonly runs: number;
  readonly seed: number;
  /** A run slower than this is a failure: a decoder of untrusted input must not stall the event loop. */
  readonly slowMs: number;
  /** Resident memory may grow this much over a target's runs (inputs are capped, so more is the decoder's doing). */
  readonly maxRssGrowthMb: number;
  /** An asynchronous run not finished after this long counts as hung. */
  readonly hangMs?: number;
}

export interface TargetResult {
  readonly target: string;
  readonly decoder: string;
  readonly runs: number;
  readonly accepted: number;
  readonly refused: number;
  readonly failures: number;
  /** The slowest run (a run over the limit counts at its best of three). */
  readonly slowestMs: number;
  /** 99th percentile of the runs' times: the slowest alone is mostly a garbage collection or another process. */
  readonly p99Ms: number;
  readonly rssGrowthMb: number;
  readonly seed: number;
  /** The first failure: why, and the (shrunk) input, printed by fast-check. */
  readonly counterexample?: { readonly reason: string; readonly input: string; readonly path?: string };
}

const RSS_SAMPLE_EVERY = 250;
const SLOW_RETRIES = 2;
const MB = 1024 * 1024;

/**
 * Runs one target `runs` times from `seed`, counting every failure (the
 * property never stops fast-check, so all runs happen), then, if any run
 * failed, runs it again as a failing property to get fast-check's shrunk
 * counterexample and replay path.
 */
export async function runTarget(target: RegisteredTarget, options: RunOptions): Promise<TargetResult> {
  const hangMs = options.hangMs ?? 10_000;
  const slowMs = Math.max(options.slowMs, target.slowMs ?? 0);
  await target.open();
  try {
    let accepted = 0;
    let refused = 0;
    let failures = 0;
    let slowestMs = 0;
    const durations: number[] = [];
    let firstReason: string | undefined;
    const rssStart = process.memoryUsage.rss();
    let rssPeak = rssStart;
    let runs = 0;
    const timed = async (fuzzCase: FuzzCase): Promise<Outcome> => {
      const { outcome, ms } = await timedRun(fuzzCase, hangMs);
      if (outcome.kind === 'failed' || ms <= slowMs) {
        slowestMs = Math.max(slowestMs, ms);
        durations.push(ms);
        return outcome;
      }
      // Over the limit: the same input again, twice. A garbage collection or another process on a shared
      // machine delays one run; a decoder whose cost grows with its input is slow every time.
      let fastest = ms;
      for (let retry = 0; retry < SLOW_RETRIES && fastest > slowMs; retry++) fastest = Math.min(fastest, (await timedRun(fuzzCase, hangMs)).ms);
      slowestMs = Math.max(slowestMs, fastest);
      durations.push(fastest);
      return fastest > slowMs ? { kind: 'failed', reason: `took ${fastest.toFixed(1)} ms at best of ${SLOW_RETRIES + 1} runs, over ${slowMs} ms` } : outcome;
    };
    // One untimed run first: module loading, JIT and native libraries' first calls are not the decoder's cost.
    const [warmUp] = fc.sample(target.cases, { seed: options.seed, numRuns: 1 });
    if (warmUp !== undefined) await warmUp.run();
    await fc.check(
      fc.asyncProperty(target.cases, async (fuzzCase) => {
        const outcome = await timed(fuzzCase);
        runs++;
        if (outcome.kind === 'accepted') accepted++;
        else if (outcome.kind === 'refused') refused++;
        else {
          failures++;
          firstReason ??= outcome.reason;
        }
        if (runs % RSS_SAMPLE_EVERY === 0) rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
        return true;
      }),
      { numRuns: options.runs, seed: options.seed },
    );
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    const rssGrowthMb = (rssPeak - rssStart) / MB;
    if (rssGrowthMb > options.maxRssGrowthMb) {
      failures++;
      firstReason ??= `resident memory grew ${rssGrowthMb.toFixed(0)} MB, over ${options.maxRssGrowthMb} MB`;
    }
    const p99Ms = percentile(durations, 0.99);
    const counterexample = failures === 0 || firstReason === undefined ? undefined : await shrink(target, options, timed, firstReason);
    return {
      target: target.name,
      decoder: target.decoder,
      runs,
      accepted,
      refused,
      failures,
      slowestMs: Math.round(slowestMs * 100) / 100,
      p99Ms: Math.round(p99Ms * 100) / 100,
      rssGrowthMb: Math.round(rssGrowthMb),
      seed: options.seed,
      ...(counterexample === undefined ? {} : { counterexample }),
    };
  } finally {
    await target.close();
  }
}

/** The same runs as a failing property: fast-check stops at the first failure and shrinks it. */
async function shrink(
  target: RegisteredTarget,
  options: RunOptions,
  timed: (fuzzCase: FuzzCase) => Promise<Outcome>,
  firstReason: string,
): Promise<TargetResult['counterexample']> {
  let reason = firstReason;
  const details = await fc.check(
    fc.asyncProperty(target.cases, async (fuzzCase) => {
      const outcome = await timed(fuzzCase);
      if (outcome.kind === 'failed') reason = outcome.reason;
      return outcome.kind !== 'failed';
    }),
    { numRuns: options.runs, seed: options.seed, interruptAfterTimeLimit: 60_000 },
  );
  if (!details.failed || details.counterexample === null) return { reason, input: '(did not fail again: timing or memory)' };
  const [fuzzCase] = details.counterexample;
  return { reason, input: fc.stringify(fuzzCase.input).slice(0, 2000), path: details.counterexamplePath ?? undefined };
}

function percentile(values: number[], fraction: number): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

async function timedRun(fuzzCase: FuzzCase, hangMs: number): Promise<{ outcome: Outcome; ms: number }> {
  const started = performance.now();
  const outcome = await withDeadline(fuzzCase.run(), hangMs);
  return { outcome, ms: performance.now() - started };
}

/** A run that neither settles nor throws within `ms` is a hang (asynchronous decoders only: a synchronous loop cannot be interrupted in process). */
async function withDeadline(run: Promise<Outcome>, ms: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'failed', reason: `did not finish within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([run, hang]);
  } finally {
    clearTimeout(timer);
  }
}
