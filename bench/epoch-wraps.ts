/**
 * `npm run bench:centre -- --providers N`: how long the Centre takes to wrap
 * a new epoch's key for N entitled providers (docs/PROTOCOL.md 13.3; target
 * under 10 s for 10,000 on one core), and how long the event loop waits
 * meanwhile: the wraps run WRAP_CONCURRENCY at a time, stored in one small
 * transaction per batch, yielding between batches. The Centre side runs in
 * its own process (server/testing/epoch-wrap-timing.ts) on a real data folder.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../shared/testing/vectors.ts';
import { printTable, writeResults } from './harness.ts';

export function benchEpochWraps(providers: number): void {
  const script = join(repoRoot, 'server', 'testing', 'epoch-wrap-timing.ts');
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, String(providers)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`epoch-wrap-timing failed: ${run.stderr}`);
  const measured: unknown = JSON.parse(run.stdout);
  if (typeof measured !== 'object' || measured === null) throw new Error('unexpected output');
  const m = Object.fromEntries(Object.entries(measured).map(([k, v]) => [k, Number(v)]));
  const wrapMs = m.wrapMs ?? 0;
  const result = {
    providers,
    concurrency: m.concurrency ?? 0,
    setup_ms: Math.round(m.setupMs ?? 0),
    wrapped: m.wrapped ?? 0,
    failed: m.failed ?? 0,
    wrap_all_ms: Math.round(wrapMs),
    wrap_ms_each: Number((wrapMs / Math.max(1, m.wrapped ?? 0)).toFixed(3)),
    event_loop_max_lag_ms: Math.round(m.maxLagMs ?? 0),
  };
  printTable(Object.entries(result).map(([metric, value]) => ({ metric, value })));
  console.log(`target: an epoch key wrapped for ${providers} providers in under 10 s (${(wrapMs / 1000).toFixed(2)} s)`);
  console.log(`results: ${writeResults('centre-epoch-wraps', result)}`);
}
