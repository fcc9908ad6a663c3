import { sharp } from '../../shared/hashing/sharp-settings.ts';

/** One series of a chart: a value per category (month), drawn in one colour. */
export interface ChartSeries {
  readonly name: string;
  /** `#rrggbb`. */
  readonly color: string;
  readonly values: readonly number[];
}

export interface Chart {
  readonly title: string;
  /** The x axis, left to right (month names). */
  readonly categories: readonly string[];
  readonly series: readonly ChartSeries[];
  /** Bars side by side per category, or one line per series. */
  readonly kind: 'bars' | 'line';
  /** Formats a y-axis value (a count, a duration). */
  readonly label?: (value: number) => string;
}

/** Fixed geometry: the same figures always draw the same picture. */
export const CHART_SIZE = { width: 960, height: 540 } as const;
export const PLOT = { left: 90, right: 930, top: 70, bottom: 480 } as const;
export const BACKGROUND = '#ffffff';

/** The rectangle of one bar, in pixels (the renderer and its tests share it). */
export function barRect(chart: Chart, seriesIndex: number, categoryIndex: number): { x: number; y: number; width: number; height: number } {
  const slot = (PLOT.right - PLOT.left) / Math.max(1, chart.categories.length);
  const width = (slot * 0.8) / Math.max(1, chart.series.length);
  const value = chart.series[seriesIndex]?.values[categoryIndex] ?? 0;
  const height = ((PLOT.bottom - PLOT.top) * value) / axisMax(chart);
  return { x: PLOT.left + slot * categoryIndex + slot * 0.1 + width * seriesIndex, y: PLOT.bottom - height, width, height };
}

/** The top of the y axis: the largest value rounded up to 1, 2 or 5 times a power of ten (1 when all are zero). */
export function axisMax(chart: Chart): number {
  const largest = Math.max(0, ...chart.series.flatMap((s) => s.values));
  if (largest <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(largest));
  const step = [1, 2, 5, 10].find((m) => m * power >= largest) ?? 10;
  return step * power;
}

const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const px = (n: number): string => n.toFixed(2);

/** The chart as SVG: axes, five grid lines, bars or lines, a legend. */
export function chartSvg(chart: Chart): string {
  const { width, height } = CHART_SIZE;
  const max = axisMax(chart);
  const label = chart.label ?? ((v: number) => String(Math.round(v * 100) / 100));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="${BACKGROUND}"/>`,
    `<text x="${width / 2}" y="36" font-size="22" text-anchor="middle" fill="#222222">${escapeXml(chart.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const y = PLOT.bottom - ((PLOT.bottom - PLOT.top) * i) / 5;
    parts.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${px(y)}" y2="${px(y)}" stroke="#dddddd" stroke-width="1"/>`);
    parts.push(`<text x="${PLOT.left - 8}" y="${px(y + 5)}" font-size="13" text-anchor="end" fill="#444444">${escapeXml(label((max * i) / 5))}</text>`);
  }
  const slot = (PLOT.right - PLOT.left) / Math.max(1, chart.categories.length);
  chart.categories.forEach((category, i) => {
    parts.push(`<text x="${px(PLOT.left + slot * (i + 0.5))}" y="${PLOT.bottom + 22}" font-size="13" text-anchor="middle" fill="#444444">${escapeXml(category)}</text>`);
  });
  chart.series.forEach((series, s) => {
    if (chart.kind === 'bars') {
      series.values.forEach((_, i) => {
        const bar = barRect(chart, s, i);
        if (bar.height > 0) parts.push(`<rect x="${px(bar.x)}" y="${px(bar.y)}" width="${px(bar.width)}" height="${px(bar.height)}" fill="${series.color}"/>`);
      });
    } else {
      const points = series.values.map((v, i) => `${px(PLOT.left + slot * (i + 0.5))},${px(PLOT.bottom - ((PLOT.bottom - PLOT.top) * v) / max)}`);
      parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${series.color}" stroke-width="4" stroke-linejoin="round"/>`);
    }
    const legendX = PLOT.left + s * 220;
    parts.push(`<rect x="${legendX}" y="${height - 30}" width="16" height="16" fill="${series.color}"/>`);
    parts.push(`<text x="${legendX + 24}" y="${height - 17}" font-size="14" fill="#222222">${escapeXml(series.name)}</text>`);
  });
  parts.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}" stroke="#444444" stroke-width="1"/>`, '</svg>');
  return parts.join('\n');
}

/** The chart as PNG, rendered by sharp (librsvg): no browser, and the same bytes for the same figures. */
export async function chartPng(chart: Chart): Promise<Buffer> {
  return sharp(Buffer.from(chartSvg(chart)), { density: 72 }).png({ compressionLevel: 9, palette: false }).toBuffer();
}
