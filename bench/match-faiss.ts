/**
 * Runs bench/match-faiss.py (FAISS IndexBinaryMultiHash(256,16,16), nflip 1:
 * HMA's PDQ index) on the benchmark's data, when `/usr/bin/python3 -c
 * "import faiss"` works (Debian: apt-get install python3-faiss).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';

export interface FaissResult {
  readonly buildMs: number;
  readonly bytesPerIndicator: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly qps: number;
  /** Matches per query for the first 200 queries, in order (cross-checked against ours). */
  readonly matches: readonly number[];
  readonly version: string;
}

export function faissAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import faiss'], { stdio: 'ignore' }).status === 0;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;
}

function numberField(value: unknown, name: string): number {
  const v = field(value, name);
  if (typeof v !== 'number') throw new Error(`match-faiss.py output lacks ${name}`);
  return v;
}

export function runFaiss(hashes: Uint8Array, queries: readonly Uint8Array[], threshold: number, minSeconds: number): FaissResult {
  const dir = mkdtempSync(join(tmpdir(), 'hashfeed-faiss-'));
  try {
    const base = join(dir, 'base.bin');
    const query = join(dir, 'queries.bin');
    writeFileSync(base, hashes);
    writeFileSync(query, Buffer.concat(queries));
    const script = fileURLToPath(new URL('./match-faiss.py', import.meta.url));
    const run = spawnSync(PYTHON, [script, base, query, String(threshold), String(minSeconds)], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    if (run.status !== 0) throw new Error(`match-faiss.py failed: ${run.stderr}`);
    const parsed: unknown = JSON.parse(run.stdout);
    const matches = field(parsed, 'matches');
    const version = field(parsed, 'version');
    if (!Array.isArray(matches) || !matches.every((m) => typeof m === 'number') || typeof version !== 'string') {
      throw new Error('match-faiss.py output is malformed');
    }
    return {
      buildMs: numberField(parsed, 'build_ms'),
      bytesPerIndicator: numberField(parsed, 'bytes_per_indicator'),
      p50Us: numberField(parsed, 'p50_us'),
      p99Us: numberField(parsed, 'p99_us'),
      qps: numberField(parsed, 'qps'),
      matches,
      version,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
