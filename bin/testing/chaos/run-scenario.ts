/**
 * One chaos scenario as its own process (bench/ may not import server/ or
 * client/, so bench/chaos.ts runs this): prepares the scenario, then kills
 * `runs` children at delays drawn from a PRNG seeded with `seed`, printing one
 * JSON line per run and a last line with the totals.
 */
import { orderListScenario } from './order-list.ts';
import { publicationScenario } from './publication.ts';
import { reportDeliveryScenario } from './report-delivery.ts';
import { reviewScenario } from './review.ts';
import { sidecarApplyScenario } from './sidecar-apply.ts';
import { seededRandom } from './random.ts';
import type { ChaosScenario } from './scenario.ts';

const SCENARIOS: Readonly<Record<string, () => ChaosScenario>> = {
  publication: publicationScenario,
  'order-list': orderListScenario,
  'sidecar-apply': sidecarApplyScenario,
  'report-delivery': reportDeliveryScenario,
  review: reviewScenario,
};

const [name, runsText, seedText] = process.argv.slice(2);
const make = name === undefined ? undefined : SCENARIOS[name];
const runs = Number(runsText);
const seed = Number(seedText);
if (make === undefined || !Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
  throw new Error(`usage: run-scenario <${Object.keys(SCENARIOS).join('|')}> <runs> <seed>`);
}

const scenario = make();
const random = seededRandom(seed);
const started = performance.now();
try {
  const { operationMs } = await scenario.prepare();
  // Delays span the unkilled operation and a little past it, so that some runs also see it finish.
  const spanMs = Math.max(20, operationMs * 1.1);
  let kills = 0;
  let failed = 0;
  for (let index = 0; index < runs; index++) {
    const delayMs = Math.round(random() * spanMs);
    const result = await scenario.run(index, delayMs);
    if (result.outcome === 'killed') kills++;
    if (result.failures.length > 0) failed++;
    process.stdout.write(`${JSON.stringify({ kind: 'run', scenario: name, run: index, seed, ...result })}\n`);
  }
  process.stdout.write(`${JSON.stringify({ kind: 'total', scenario: name, runs, kills, failed, operationMs: Math.round(operationMs), seconds: Math.round((performance.now() - started) / 100) / 10 })}\n`);
} finally {
  await scenario.close();
}
