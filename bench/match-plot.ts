/**
 * Query time against N (log-log) from the benchmark runs: a Vega-Lite spec
 * rendered headless to SVG by Vega, converted to PNG by sharp.
 */
import { join } from 'node:path';
import type * as vl from 'vega-lite';
import { repoRoot } from '../shared/testing/vectors.ts';
import type { Run } from './match-cases.ts';
import { renderVegaLite } from './vega-render.ts';

/** Figures quoted in the issue (same machine, other code), drawn as points for orientation. */
const QUOTED: readonly { index: string; n: number; p50_us: number }[] = [
  { index: 'quoted: C++ AVX-512 scan', n: 1e6, p50_us: 850 },
  { index: 'quoted: C++ AVX-512 scan', n: 1e7, p50_us: 7600 },
  { index: 'quoted: HMA FAISS multihash', n: 1e6, p50_us: 2000 },
  { index: 'quoted: HMA FAISS multihash', n: 1e7, p50_us: 47900 },
  { index: 'quoted: Meta C++ MIH', n: 1e6, p50_us: 2750 },
];

export async function plotRuns(runs: readonly Run[]): Promise<{ svg: string; png: string }> {
  const measured = runs
    .filter((r) => !r.index.includes('dihedral'))
    .map((r) => ({ index: r.index, n: r.n, p50_us: r.p50_us, distribution: r.distribution }));
  const x = { field: 'n', type: 'quantitative', scale: { type: 'log' }, title: 'indicators (N)' } as const;
  const y = { field: 'p50_us', type: 'quantitative', scale: { type: 'log' }, title: 'µs per query (p50)' } as const;
  // One colour scale for measured series (lines) and quoted figures (diamonds), so one legend names both.
  const color = { field: 'index', type: 'nominal', title: 'index', legend: { labelLimit: 320 } } as const;
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'hashfeed matching: p50 query time, 256-bit hashes, T = 31, one core',
      subtitle: 'solid: uniform data, dashed: clustered; diamonds: figures quoted in the issue (same machine, not measured here)',
      anchor: 'start',
    },
    width: 560,
    height: 380,
    layer: [
      {
        data: { values: measured },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y,
          color,
          strokeDash: { field: 'distribution', type: 'nominal', sort: ['uniform', 'clustered'], legend: null },
        },
      },
      {
        data: { values: QUOTED },
        mark: { type: 'point', shape: 'diamond', filled: true, size: 120 },
        encoding: { x, y, color },
      },
    ],
  };
  return renderVegaLite(spec, join(repoRoot, 'bench', 'results', 'match'));
}
