/** The sidecar load run's plot: scans/s against concurrency (with the CLI's one-core rate as a rule), and p50/p99 latency. */
import type * as vl from 'vega-lite';
import { renderVegaLite } from '../vega-render.ts';
import type { PhaseResult } from './phase.ts';

/** Writes `base`.svg and `base`.png; returns their paths. */
export function plotSidecarLoad(phases: readonly PhaseResult[], cliPerSecond: number, title: string, base: string): Promise<{ svg: string; png: string }> {
  const throughput = phases.map((p) => ({ concurrency: String(p.connections), value: p.okPerSecond }));
  const latency = phases.flatMap((p) => [
    { concurrency: String(p.connections), percentile: 'p50', value: p.latencyMs.p50 },
    { concurrency: String(p.connections), percentile: 'p99', value: p.latencyMs.p99 },
  ]);
  const x = { field: 'concurrency', type: 'ordinal', sort: phases.map((p) => String(p.connections)), title: 'concurrent connections' } as const;
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' },
    hconcat: [
      {
        title: 'scans per second (rule: the CLI on one core)',
        width: 300,
        height: 220,
        layer: [
          { data: { values: throughput }, mark: { type: 'bar' }, encoding: { x, y: { field: 'value', type: 'quantitative', title: 'scans/s' } } },
          { data: { values: [{ value: cliPerSecond }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#d62728' }, encoding: { y: { field: 'value', type: 'quantitative' } } },
        ],
      },
      {
        title: 'latency (ms)',
        width: 300,
        height: 220,
        data: { values: latency },
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'value', type: 'quantitative', title: 'ms', scale: { type: 'log' } }, color: { field: 'percentile', type: 'nominal', title: null } },
      },
    ],
  };
  return renderVegaLite(spec, base);
}
