/**
 * npm run fuzz [-- --runs 10000 --target NAME --seed S --slow-ms 100]
 *
 * Runs every fuzz target (fuzz/index.ts: each decoder of untrusted input)
 * --runs times from --seed (random when absent, always printed), prints
 * target / runs / failures / slowest run, writes bench/results/fuzz.json,
 * and exits 1 on any failure with its counterexample and the seed that
 * replays it. A run slower than --slow-ms, or resident memory growing more
 * than --max-rss-mb over a target, is a failure too (docs/RELIABILITY.md,
 * "Fuzzing").
 */
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { printTable, writeResults } from './harness.ts';
import { runTarget, TARGETS, type TargetResult } from '../fuzz/index.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    target: { type: 'string', multiple: true },
    seed: { type: 'string' },
    'slow-ms': { type: 'string', default: '100' },
    'max-rss-mb': { type: 'string', default: '512' },
  },
});

const runs = Number(values.runs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const slowMs = Number(values['slow-ms']);
const maxRssGrowthMb = Number(values['max-rss-mb']);
for (const [name, value] of Object.entries({ runs, seed, 'slow-ms': slowMs, 'max-rss-mb': maxRssGrowthMb })) {
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`--${name} must be a non-negative integer`);
    process.exit(2);
  }
}
const unknown = (values.target ?? []).filter((name) => !TARGETS.some((target) => target.name === name));
if (unknown.length > 0) {
  console.error(`no such target: ${unknown.join(', ')} (targets: ${TARGETS.map((target) => target.name).join(', ')})`);
  process.exit(2);
}
const chosen = values.target === undefined ? TARGETS : TARGETS.filter((target) => values.target?.includes(target.name));

const machine = { cpus: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}` };
console.log(`fuzz: ${chosen.length} targets x ${runs} runs, seed ${seed}, slow over ${slowMs} ms; ${machine.cpus} cores, Node ${machine.node}`);

const results: TargetResult[] = [];
const started = Date.now();
for (const target of chosen) {
  const result = await runTarget(target, { runs, seed, slowMs, maxRssGrowthMb });
  results.push(result);
  console.log(`  ${target.name}: ${result.failures === 0 ? 'ok' : `${result.failures} FAILED`} (${result.slowestMs} ms slowest)`);
}
const seconds = Math.round((Date.now() - started) / 1000);

console.log('');
printTable(
  results.map((r) => ({ target: r.target, runs: r.runs, accepted: r.accepted, refused: r.refused, failures: r.failures, 'p99 ms': r.p99Ms, 'slowest ms': r.slowestMs, 'rss +MB': r.rssGrowthMb })),
);
const command = `npm run fuzz -- --runs ${runs} --seed ${seed}${values.target === undefined ? '' : values.target.map((name) => ` --target ${name}`).join('')}`;
console.log(`\n${seconds} s; replay: ${command}`);
console.log(`results: ${writeResults('fuzz', { command, seed, runs, slowMs, maxRssGrowthMb, machine, seconds, results })}`);

const failed = results.filter((r) => r.failures > 0);
for (const r of failed) {
  console.error(`\n${r.target} (${r.decoder}): ${r.failures} failure(s), seed ${r.seed}`);
  console.error(`  ${r.counterexample?.reason ?? ''}`);
  console.error(`  input: ${r.counterexample?.input ?? ''}`);
  if (r.counterexample?.path !== undefined) console.error(`  fast-check path: ${r.counterexample.path}`);
}
process.exit(failed.length > 0 ? 1 : 0);
