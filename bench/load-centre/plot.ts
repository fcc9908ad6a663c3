/** The run's latency per route, p50 and p99, one bar per phase: a Vega-Lite spec rendered to SVG and PNG (bench/vega-render.ts). */
import type * as vl from 'vega-lite';
import { renderVegaLite } from '../vega-render.ts';
import type { PhaseResult } from './run.ts';

/** Writes `base`.svg and `base`.png; returns the SVG's path. */
export async function plotLoadCentre(phases: readonly PhaseResult[], title: string, base: string): Promise<string> {
  const values = phases.flatMap((p) =>
    p.routes.flatMap((r) => [
      // One row per route: the phase's colour says whether the Centre or nginx answered its feed objects.
      { phase: p.name, route: r.route, quantile: 'p50', ms: r.p50Ms },
      { phase: p.name, route: r.route, quantile: 'p99', ms: r.p99Ms },
    ]),
  );
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' },
    data: { values },
    facet: { column: { field: 'quantile', type: 'nominal', title: null } },
    spec: {
      width: 320,
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'route', type: 'nominal', title: null, sort: 'ascending', axis: { labelLimit: 400 } },
        yOffset: { field: 'phase', type: 'nominal' },
        x: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
        color: { field: 'phase', type: 'nominal', title: 'phase' },
        tooltip: [{ field: 'ms', type: 'quantitative' }],
      },
    },
  };
  return (await renderVegaLite(spec, base)).svg;
}
