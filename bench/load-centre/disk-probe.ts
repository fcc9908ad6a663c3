/**
 * How long the disk under the Centre's data folder takes to make a write
 * durable: the Centre commits with synchronous=FULL, so every write
 * transaction waits for one such fdatasync, and report intake follows it.
 * Measured at the start and the end of a run, because on a shared machine
 * it changes with what others run (0.26 ms and 4 ms p50 on the same
 * machine an hour apart).
 */
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { percentile } from '../harness.ts';

export interface DiskSyncFigures {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** `samples` writes of 16 KiB (a few WAL frames), each followed by fdatasync, in a scratch file under `dir`. */
export function probeDiskSync(dir: string, samples = 100): DiskSyncFigures {
  const file = join(dir, 'disk-probe');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(16 * 1024, 1);
  const timesMs: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      writeSync(fd, block);
      fdatasyncSync(fd);
      timesMs.push(performance.now() - started);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  timesMs.sort((a, b) => a - b);
  const round = (n: number): number => Math.round(n * 100) / 100;
  return { samples, p50Ms: round(percentile(timesMs, 50)), p99Ms: round(percentile(timesMs, 99)) };
}
