/**
 * npm run chaos [-- --runs 50 --scenario NAME --seed S]
 *
 * Kills real child processes with SIGKILL at random points of an operation
 * (publication, sidecar apply, report enqueue and delivery, order-list
 * update, review decisions) and checks the invariants after each kill:
 * each scenario runs in its own process (bin/testing/chaos/run-scenario.ts:
 * bench/ may not import server/ or client/), draws its kill delays from a
 * PRNG seeded with --seed across the operation's unkilled duration, and
 * reports every run. Prints runs / kills / invariant failures / time per
 * scenario, writes bench/results/chaos.json, and exits 1 on any invariant
 * failure with the scenario, seed and run that replay it
 * (docs/RELIABILITY.md, "Chaos").
 */
import { spawn } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { repoRoot } from '../shared/testing/vectors.ts';
import { printTable, writeResults } from './harness.ts';

/** The scenarios of bin/testing/chaos/run-scenario.ts, in the order they run. */
const SCENARIOS = ['publication', 'sidecar-apply', 'report-delivery', 'order-list', 'review'] as const;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    scenario: { type: 'string', multiple: true },
    seed: { type: 'string' },
  },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
for (const [name, value] of Object.entries({ runs, seed })) {
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`--${name} must be a non-negative integer`);
    process.exit(2);
  }
}
const unknown = (values.scenario ?? []).filter((name) => !SCENARIOS.some((s) => s === name));
if (unknown.length > 0) {
  console.error(`no such scenario: ${unknown.join(', ')} (scenarios: ${SCENARIOS.join(', ')})`);
  process.exit(2);
}
const chosen = values.scenario === undefined ? [...SCENARIOS] : SCENARIOS.filter((s) => values.scenario?.includes(s));

interface RunLine {
  readonly run: number;
  readonly outcome: string;
  readonly delayMs: number;
  readonly failures: readonly string[];
}

interface ScenarioResult {
  readonly scenario: string;
  readonly runs: number;
  readonly kills: number;
  readonly finished: number;
  readonly failed: number;
  readonly operationMs: number | null;
  readonly seconds: number;
  readonly exitCode: number | null;
  readonly failures: readonly RunLine[];
}

const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined);

/** Runs one scenario's process and gathers its JSON lines (any other output of the scenario goes to stderr). */
async function runScenario(scenario: string): Promise<ScenarioResult> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'bin', 'testing', 'chaos', 'run-scenario.ts'), scenario, String(runs), String(seed)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: RunLine[] = [];
  let operationMs: number | null = null;
  for await (const line of createInterface({ input: child.stdout })) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      process.stderr.write(`${line}\n`);
      continue;
    }
    if (field(value, 'kind') === 'run') {
      const failuresValue = field(value, 'failures');
      const failures = Array.isArray(failuresValue) ? failuresValue.map(String) : ['unreadable run line'];
      lines.push({ run: Number(field(value, 'run')), outcome: String(field(value, 'outcome')), delayMs: Number(field(value, 'delayMs')), failures });
      process.stdout.write(failures.length > 0 ? 'F' : field(value, 'outcome') === 'killed' ? '.' : 'o');
    } else if (field(value, 'kind') === 'total') {
      operationMs = Number(field(value, 'operationMs'));
    }
  }
  const exitCode = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
  process.stdout.write('\n');
  const failures = lines.filter((l) => l.failures.length > 0);
  return {
    scenario,
    runs: lines.length,
    kills: lines.filter((l) => l.outcome === 'killed').length,
    finished: lines.filter((l) => l.outcome === 'finished').length,
    // A scenario process that died or stopped short is a failure too.
    failed: failures.length + (exitCode === 0 && lines.length === runs ? 0 : 1),
    operationMs,
    seconds: Math.round((Date.now() - started) / 1000),
    exitCode,
    failures,
  };
}

const machine = { cpus: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}` };
console.log(`chaos: ${chosen.length} scenarios x ${runs} runs, seed ${seed}; ${machine.cpus} cores, Node ${machine.node} (. killed, o finished first, F invariant failed)`);
const results: ScenarioResult[] = [];
const started = Date.now();
for (const scenario of chosen) {
  process.stdout.write(`  ${scenario}: `);
  results.push(await runScenario(scenario));
}
const seconds = Math.round((Date.now() - started) / 1000);

console.log('');
printTable(results.map((r) => ({ scenario: r.scenario, runs: r.runs, kills: r.kills, 'finished first': r.finished, 'invariant failures': r.failed, 'operation ms': r.operationMs ?? '-', seconds: r.seconds })));
const command = `npm run chaos -- --runs ${runs} --seed ${seed}${values.scenario === undefined ? '' : chosen.map((s) => ` --scenario ${s}`).join('')}`;
console.log(`\n${seconds} s; replay: ${command}`);
console.log(`results: ${writeResults('chaos', { command, seed, runs, machine, seconds, results })}`);

const failed = results.filter((r) => r.failed > 0);
for (const r of failed) {
  console.error(`\n${r.scenario}: ${r.failed} failure(s), seed ${seed}${r.exitCode === 0 ? '' : `, scenario process exited ${String(r.exitCode)}`}`);
  for (const line of r.failures) console.error(`  run ${line.run} (${line.outcome} after ${line.delayMs} ms): ${line.failures.join('; ')}`);
}
process.exit(failed.length > 0 ? 1 : 0);
