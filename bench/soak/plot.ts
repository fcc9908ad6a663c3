/** The soak's curves: one panel per metric, one line per process, a Vega-Lite spec rendered by Vega to SVG, then to PNG by sharp. */
import type * as vl from 'vega-lite';
import { renderVegaLite } from '../vega-render.ts';
import type { Metric, TimedSample } from './summary.ts';

/** Each plotted metric: its panel title and the divisor into that unit. */
const PANELS: readonly [Metric, string, number][] = [
  ['rssBytes', 'RSS (MB)', 1024 * 1024],
  ['heapUsedBytes', 'heap used (MB)', 1024 * 1024],
  ['openFds', 'open file descriptors', 1],
  ['walBytes', 'SQLite WAL (MB)', 1024 * 1024],
  ['loopDelayP99Ms', 'event-loop delay p99 (ms)', 1],
];

/** Writes `base`.svg and `base`.png; returns their paths. */
export async function plotSoak(series: Readonly<Record<string, readonly TimedSample[]>>, title: string, base: string): Promise<{ svg: string; png: string }> {
  const values = Object.entries(series).flatMap(([process, samples]) =>
    samples.flatMap((s) => PANELS.map(([metric, panel, divisor]) => ({ minutes: s.minutes, process, panel, value: s.values[metric] / divisor }))),
  );
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' },
    data: { values },
    facet: { row: { field: 'panel', type: 'nominal', sort: PANELS.map(([, panel]) => panel), title: null, header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 640,
      height: 110,
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'minutes', type: 'quantitative', title: 'minutes' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: true } },
        color: { field: 'process', type: 'nominal', title: 'process' },
      },
    },
  };
  return renderVegaLite(spec, base);
}
