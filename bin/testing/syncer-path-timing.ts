import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Replica } from '../../client/replica/replica.ts';
import type { Delta } from '../../shared/wire/delta.ts';

export interface TimingRow {
  readonly case: string;
  readonly p50_ms: number;
  readonly max_ms: number;
}

const ms = (us: number): number => Math.round(us / 10) / 100;

/**
 * bench:digest, the syncer's path for three version 2 deltas each way:
 * prepared in slices that yield (Replica.prepareDelta), then the rows in one
 * write transaction (the baseline) or in slices that yield
 * (Replica.applyDeltaInSlices, what the syncer does). The longest
 * event-loop block is the pause a scan served by the same process could
 * see; it also counts a GC pause or a busy machine, so the 99th percentile
 * of the delay is given beside it.
 */
export async function timeSyncerPath(replica: Replica, nextDelta: () => Delta): Promise<TimingRow[]> {
  const rows: TimingRow[] = [];
  for (const sliced of [false, true]) {
    const totals: number[] = [];
    const writes: number[] = [];
    const blocks: number[] = [];
    const p99s: number[] = [];
    for (let i = 0; i < 3; i++) {
      const delta = nextDelta();
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const t0 = performance.now();
      const prepared = await replica.prepareDelta(delta);
      const t1 = performance.now();
      if (sliced) await replica.applyDeltaInSlices(prepared);
      else replica.applyDelta(delta, prepared);
      const t2 = performance.now();
      // One more turn so that the histogram records the last block.
      await new Promise<void>((resolve) => setTimeout(resolve, 5));
      loop.disable();
      totals.push((t2 - t0) * 1000);
      writes.push((t2 - t1) * 1000);
      blocks.push(sliced ? loop.max / 1000 : Math.max(loop.max / 1000, (t2 - t1) * 1000));
      p99s.push(loop.percentile(99) / 1000);
    }
    for (const list of [totals, writes, blocks, p99s]) list.sort((a, b) => a - b);
    const how = sliced ? 'applyDeltaInSlices (syncer path)' : 'applyDelta in one transaction (baseline)';
    rows.push({ case: `prepareDelta + ${how}, total`, p50_ms: ms(totals[1] ?? 0), max_ms: ms(totals[2] ?? 0) });
    rows.push({ case: `  of which writing the rows`, p50_ms: ms(writes[1] ?? 0), max_ms: ms(writes[2] ?? 0) });
    rows.push({ case: `  longest event-loop block (a GC pause or a busy machine counts too)`, p50_ms: ms(blocks[1] ?? 0), max_ms: ms(blocks[2] ?? 0) });
    rows.push({ case: `  99th percentile of event-loop delay`, p50_ms: ms(p99s[1] ?? 0), max_ms: ms(p99s[2] ?? 0) });
  }
  return rows;
}
