/**
 * The benchmark harness (STYLE convention 11): a case does its setup, then
 * hands back its hot loop as a closure; the harness times the closure and
 * reports figures. Ratios against a baseline measured in the same process are
 * what to quote: these machines are shared and noisy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../shared/testing/vectors.ts';

export type HotLoop = () => unknown | Promise<unknown>;

export interface Timing {
  /** How many times the closure ran (after warm-up). */
  readonly iterations: number;
  readonly totalMs: number;
  /** Per-call durations in microseconds, in run order. */
  readonly samplesUs: readonly number[];
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly opsPerSecond: number;
}

export interface TimeOptions {
  /** Keep running until both are reached (defaults 1000 ms, 20 calls). */
  readonly minMs?: number;
  readonly minIterations?: number;
  /** Stop after this many calls even if minMs is not reached (default 1e6). */
  readonly maxIterations?: number;
  /** Untimed calls first (default 3). */
  readonly warmup?: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Times a hot loop: each call is one operation. */
export async function time(loop: HotLoop, options: TimeOptions = {}): Promise<Timing> {
  const { minMs = 1000, minIterations = 20, maxIterations = 1_000_000, warmup = 3 } = options;
  for (let i = 0; i < warmup; i++) await loop();
  const samples: number[] = [];
  const start = performance.now();
  let now = start;
  while ((now - start < minMs || samples.length < minIterations) && samples.length < maxIterations) {
    const t0 = performance.now();
    await loop();
    now = performance.now();
    samples.push((now - t0) * 1000);
  }
  const totalMs = now - start;
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    iterations: samples.length,
    totalMs,
    samplesUs: samples,
    meanUs: sum / samples.length,
    p50Us: percentile(sorted, 50),
    p99Us: percentile(sorted, 99),
    opsPerSecond: samples.length / (totalMs / 1000),
  };
}

/** Prints rows as an aligned text table (numbers right-aligned). */
export function printTable(rows: readonly Record<string, string | number>[], out: (line: string) => void = console.log): void {
  const first = rows[0];
  if (first === undefined) return;
  const keys = Object.keys(first);
  const cell = (v: string | number | undefined): string =>
    v === undefined ? '' : typeof v === 'number' ? formatNumber(v) : v;
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  const line = (values: string[], numeric: boolean[]): string =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))).join('  ');
  out(line(keys, keys.map(() => false)));
  out(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) out(line(keys.map((k) => cell(r[k])), keys.map((k) => typeof r[k] === 'number')));
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  if (abs >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** Writes bench/results/<name>.json and returns its path. */
export function writeResults(name: string, data: unknown): string {
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}
