/**
 * npm run load:centre [-- --seconds S] [-- --sidecars N] [-- --poll-seconds P]
 * [-- --reports-per-second R] [-- --providers K] [-- --no-mirror]: the Centre
 * under many providers, on loopback (docs/RELIABILITY.md, "Centre under
 * load"). A real Centre process with a published feed and K provider
 * accounts; N simulated sidecars polling every P seconds (most up to date,
 * some 10 versions behind, a few bootstrapping); R signed reports a second;
 * then the same polling with feed objects from nginx serving the static
 * export. Each phase lasts S seconds. Writes bench/results/load-centre.json
 * and .svg; exits 1 on any error, non-2xx answer, lost or duplicated report.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../shared/testing/vectors.ts';
import { printTable, writeResults } from './harness.ts';
import { DEFAULT_MIX } from './load-centre/mix.ts';
import { plotLoadCentre } from './load-centre/plot.ts';
import { runLoadCentre } from './load-centre/run.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    sidecars: { type: 'string', default: String(DEFAULT_MIX.sidecars) },
    'poll-seconds': { type: 'string', default: String(DEFAULT_MIX.pollSeconds) },
    'reports-per-second': { type: 'string', default: '500' },
    providers: { type: 'string', default: '50' },
    indicators: { type: 'string', default: '5000' },
    versions: { type: 'string', default: '12' },
    'no-mirror': { type: 'boolean', default: false },
  },
});
const positive = (name: string, value: string | undefined, max: number): number => {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0 && n <= max)) throw new Error(`--${name} must be a number from 1 to ${max}`);
  return n;
};

const result = await runLoadCentre({
  mix: { ...DEFAULT_MIX, sidecars: Math.round(positive('sidecars', values.sidecars, 1_000_000)), pollSeconds: positive('poll-seconds', values['poll-seconds'], 86_400) },
  // Bounded: at most ten minutes a phase.
  seconds: Math.round(positive('seconds', values.seconds, 600)),
  reportsPerSecond: Math.round(positive('reports-per-second', values['reports-per-second'], 10_000)),
  providers: Math.round(positive('providers', values.providers, 1000)),
  indicators: Math.round(positive('indicators', values.indicators, 1_000_000)),
  versions: Math.max(11, Math.round(positive('versions', values.versions, 1000))),
  indicatorsPerVersion: 20,
  mirror: values['no-mirror'] !== true,
  log: (line) => process.stderr.write(`load:centre: ${line}\n`),
});

const { machine } = result;
console.log(`machine: ${machine.cpus} x ${machine.model}, load average ${machine.loadAverageAtStart.join(' ')} at the start, ${machine.loadAverageAtEnd.join(' ')} at the end; disk fdatasync p50 ${machine.diskSyncAtStart.p50Ms} ms (p99 ${machine.diskSyncAtStart.p99Ms}) at the start, ${machine.diskSyncAtEnd.p50Ms} ms (p99 ${machine.diskSyncAtEnd.p99Ms}) at the end`);
for (const p of result.phases) {
  console.log(`\n${p.name}: ${p.wallSeconds} s; centre ${p.centrePerSecond} req/s (${p.centrePerTokenPerSecond}/s per token); ${Object.entries(p.processes).map(([role, f]) => `${role} ${f.cores} cores, RSS peak ${f.rssPeakMb} MB, end ${f.rssEndMb} MB`).join('; ')}`);
  printTable(p.routes.map((r) => ({ route: r.route, server: r.server === 'feed' ? p.feedMode : 'centre', 'req/s': r.perSecond, 'active req/s': r.activePerSecond, p50_ms: r.p50Ms, p99_ms: r.p99Ms, max_ms: r.maxMs, non2xx: r.non2xx, errors: r.errors })));
}
if (result.reports !== null) console.log(`\nreports: ${JSON.stringify(result.reports)}`);
const filed = result.phases.flatMap((p) => p.routes).find((r) => r.route === 'POST /v1/reports');
if (filed !== undefined) {
  const held = filed.activePerSecond >= 0.95 * result.options.reportsPerSecond;
  console.log(`report intake: ${filed.activePerSecond}/s from first to last answer (asked ${result.options.reportsPerSecond}/s: ${held ? 'held' : 'NOT held'}), p50 ${filed.p50Ms} ms, p99 ${filed.p99Ms} ms`);
}
if (result.mirrorSkipped !== null) console.log(`mirror phase skipped: ${result.mirrorSkipped}`);
console.log(`results: ${writeResults('load-centre', result)}`);
console.log(`plot: ${await plotLoadCentre(result.phases, `hashfeed Centre under ${result.options.mix.sidecars} sidecars polling every ${result.options.mix.pollSeconds} s`, join(repoRoot, 'bench', 'results', 'load-centre'))}`);
if (result.failures.length > 0) {
  console.error(`FAILED:\n${result.failures.join('\n')}`);
  process.exitCode = 1;
}
