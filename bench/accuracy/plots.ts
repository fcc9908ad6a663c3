/**
 * The report's figures, drawn by vega-lite (compiled to a vega view, rendered
 * headless to SVG) and rasterised by sharp: ROC curves per transform family,
 * true-positive rate against strength, and distance histograms per matcher.
 */
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { addHistograms, histogram, roc } from './stats.ts';
import type { AccuracyResult, CaseResult } from './types.ts';

export interface Plot {
  /** File name, e.g. `roc-crop.png`. */
  readonly file: string;
  readonly title: string;
  readonly png: Buffer;
}

const CONFIG = {
  background: 'white',
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  title: { fontSize: 14 },
} as const;

/** Renders a vega-lite spec to PNG (at twice the nominal size, for legibility). */
export async function renderPng(spec: TopLevelSpec): Promise<Buffer> {
  const compiled = compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG(2);
  view.finalize();
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/**
 * Same-picture distances over a set of cases, and how many eligible pairs
 * could never match at any threshold (failed, or below the quality floor).
 */
export function sameHistogram(cases: readonly CaseResult[], matcher: string, bits: number): { counts: number[]; outside: number } {
  let counts = new Array<number>(bits + 1).fill(0);
  let outside = 0;
  for (const c of cases) {
    const r = c.results[matcher];
    if (r === undefined) continue;
    const usable = r.distances.filter((d): d is number => d !== null);
    outside += r.eligible - usable.length;
    counts = addHistograms(counts, histogram(usable, bits));
  }
  return { counts, outside };
}

function rocPlot(result: AccuracyResult, family: string): Promise<Buffer> {
  const cases = result.cases.filter((c) => c.family === family);
  const values: { matcher: string; threshold: number; tpr: number; fpr: number; isDefault: boolean }[] = [];
  for (const m of result.matchers) {
    const fp = result.falsePositives[m.name];
    if (fp === undefined) continue;
    const { counts, outside } = sameHistogram(cases, m.name, m.bits);
    for (const p of roc(counts, fp.histogram, outside)) {
      if (Number.isNaN(p.tpr) || Number.isNaN(p.fpr)) continue;
      values.push({ matcher: m.name, threshold: p.threshold, tpr: p.tpr, fpr: p.fpr, isDefault: p.threshold === m.threshold });
    }
  }
  return renderPng({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `ROC: ${family} transforms (all strengths)`, subtitle: 'dots: default thresholds; x axis symmetric-log' },
    width: 460,
    height: 320,
    data: { values },
    layer: [
      {
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', title: 'false-positive rate (distinct originals)', scale: { type: 'symlog', constant: 1e-5, domain: [0, 1] }, axis: { values: [0, 1e-4, 1e-3, 1e-2, 0.1, 1], format: '~g' } },
          y: { field: 'tpr', type: 'quantitative', title: 'true-positive rate', scale: { domain: [0, 1] } },
          color: { field: 'matcher', type: 'nominal' },
          order: { field: 'threshold', type: 'quantitative' },
        },
      },
      {
        transform: [{ filter: 'datum.isDefault' }],
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x: { field: 'fpr', type: 'quantitative' },
          y: { field: 'tpr', type: 'quantitative' },
          color: { field: 'matcher', type: 'nominal' },
        },
      },
    ],
  });
}

function strengthPlot(result: AccuracyResult, family: string): Promise<Buffer> {
  const cases = result.cases.filter((c) => c.family === family);
  const values = cases.flatMap((c) =>
    result.matchers.map((m) => ({ transform: c.transform, strength: c.strength, label: c.label, matcher: m.name, tpr: c.results[m.name]?.tpr.rate ?? null })),
  );
  const categorical = cases.every((c) => c.categorical);
  const y = { field: 'tpr', type: 'quantitative' as const, title: 'true-positive rate at default threshold', scale: { domain: [0, 1] } };
  const color = { field: 'matcher', type: 'nominal' as const };
  if (categorical) {
    return renderPng({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `True-positive rate: ${family} transforms`,
      data: { values },
      width: { step: 14 },
      height: 260,
      mark: 'bar',
      encoding: {
        y,
        color,
        x: { field: 'label', type: 'nominal', title: null, sort: null },
        xOffset: { field: 'matcher', type: 'nominal' },
      },
    });
  }
  return renderPng({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `True-positive rate against strength: ${family} transforms`,
    data: { values },
    facet: { field: 'transform', type: 'nominal', title: null },
    columns: 3,
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 260,
      height: 200,
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: { y, color, x: { field: 'strength', type: 'quantitative', title: 'strength', scale: { zero: false } } },
    },
  });
}

function histogramPlot(result: AccuracyResult, matcher: string): Promise<Buffer> {
  const m = result.matchers.find((x) => x.name === matcher);
  const fp = result.falsePositives[matcher];
  if (m === undefined || fp === undefined) throw new Error(`no matcher ${matcher}`);
  const same = sameHistogram(result.cases, matcher, m.bits).counts;
  const sameTotal = same.reduce((a, b) => a + b, 0) || 1;
  const diffTotal = fp.histogram.reduce((a, b) => a + b, 0) || 1;
  const values = [
    ...same.map((count, distance) => ({ distance, share: count / sameTotal, kind: 'same picture (all re-uploads)' })),
    ...fp.histogram.map((count, distance) => ({ distance, share: count / diffTotal, kind: 'different pictures' })),
  ].filter((v) => v.share > 0);
  return renderPng({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Distances: ${matcher}`, subtitle: `rule: default threshold ${m.threshold}; ${fp.pairs} distinct pairs` },
    width: 520,
    height: 260,
    layer: [
      {
        data: { values },
        mark: { type: 'bar', opacity: 0.6, binSpacing: 0 },
        encoding: {
          x: { field: 'distance', type: 'quantitative', bin: { maxbins: Math.min(64, m.bits + 1), extent: [0, m.bits + 1] }, title: `Hamming distance (of ${m.bits} bits)` },
          y: { aggregate: 'sum', field: 'share', type: 'quantitative', stack: null, title: 'share of pairs' },
          color: { field: 'kind', type: 'nominal', title: null },
        },
      },
      { data: { values: [{ t: m.threshold + 0.5 }] }, mark: { type: 'rule', strokeDash: [4, 3], color: 'black' }, encoding: { x: { field: 't', type: 'quantitative' } } },
    ],
  });
}

/** Every figure of the report. */
export async function allPlots(result: AccuracyResult): Promise<Plot[]> {
  const families = [...new Set(result.cases.map((c) => c.family))];
  const plots: Plot[] = [];
  for (const family of families) {
    plots.push({ file: `roc-${family}.png`, title: `ROC, ${family}`, png: await rocPlot(result, family) });
    plots.push({ file: `tpr-${family}.png`, title: `TPR against strength, ${family}`, png: await strengthPlot(result, family) });
  }
  for (const m of result.matchers) {
    plots.push({ file: `hist-${m.name.replace(/[^a-z0-9-]+/gi, '_')}.png`, title: `Distance histogram, ${m.name}`, png: await histogramPlot(result, m.name) });
  }
  return plots;
}
