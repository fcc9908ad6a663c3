/**
 * Helpers for the matching tests: indexes with forced multi-index layouts
 * (the planner would scan data this small), manual schedulers to step
 * compaction, and hash sets as id -> hash maps for the brute-force reference.
 */
import { resolveConfig, type IndexConfig } from '../config.ts';
import { SegmentedIndex } from '../hamming-index.ts';
import { candidatePlans, type HashBits, type SegmentPlan } from '../plan.ts';
import type { Route } from '../segment.ts';

/** A layout of `slots` slots with the smallest tables allowed, so buckets hold many postings and remainders filter. */
export function forcedPlanner(bits: HashBits, slots: number): (rows: number) => SegmentPlan {
  return (rows) => {
    const plans = candidatePlans(bits, Math.max(rows, 2)).filter((p) => p.slots.length === slots);
    let best: SegmentPlan | undefined;
    for (const p of plans) {
      const size = p.slots.reduce((sum, s) => sum + 2 ** s.tableBits, 0);
      if (best === undefined || size < best.slots.reduce((sum, s) => sum + 2 ** s.tableBits, 0)) best = p;
    }
    if (best === undefined) throw new RangeError(`no ${slots}-slot layout for ${bits} bits`);
    return best;
  };
}

export interface TestIndexOptions {
  readonly bits: HashBits;
  readonly engine: 'wasm' | 'js';
  /** Slots of the forced layout; 0 lets the planner choose. */
  readonly slots: number;
  readonly threshold?: number;
  readonly tailCapacity?: number;
  readonly autoCompact?: boolean;
  readonly schedule?: (work: () => void) => void;
  readonly sliceMs?: number;
  readonly route?: Route;
  readonly kernelPath?: 'auto' | 'js';
}

export async function testIndex(options: TestIndexOptions): Promise<SegmentedIndex> {
  const base = await resolveConfig({
    bits: options.bits,
    engine: options.engine,
    threshold: options.threshold,
    tailCapacity: options.tailCapacity ?? 64,
    autoCompact: options.autoCompact ?? false,
    schedule: options.schedule,
    sliceMs: options.sliceMs,
  });
  const config: IndexConfig = {
    ...base,
    planner: options.slots > 0 ? forcedPlanner(options.bits, options.slots) : undefined,
    route: options.route ?? (options.slots > 0 ? 'probe' : 'auto'),
    kernelPath: options.kernelPath ?? 'auto',
  };
  return new SegmentedIndex(config, []);
}

/** A scheduler that queues work until the test runs it. */
export function manualScheduler(): { schedule: (work: () => void) => void; runOne: () => boolean; runAll: () => number } {
  const queue: (() => void)[] = [];
  return {
    schedule: (work) => void queue.push(work),
    runOne: () => {
      const work = queue.shift();
      work?.();
      return work !== undefined;
    },
    runAll: () => {
      let n = 0;
      for (let work = queue.shift(); work !== undefined; work = queue.shift()) {
        work();
        n++;
      }
      return n;
    },
  };
}

export function hashOf(hashes: Uint8Array, row: number, bytes: number): Uint8Array {
  return hashes.slice(row * bytes, (row + 1) * bytes);
}
