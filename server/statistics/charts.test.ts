import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { barRect, CHART_SIZE, chartPng, chartSvg, PLOT, type Chart } from './charts.ts';

const BARS: Chart = {
  title: 'Reports per month, 2027',
  kind: 'bars',
  categories: ['Jan', 'Feb', 'Mar'],
  series: [
    { name: 'received', color: '#3b6ea5', values: [0, 5, 10] },
    { name: 'forwarded', color: '#d1495b', values: [0, 2, 4] },
  ],
};

async function pixels(png: Buffer): Promise<{ width: number; height: number; at(x: number, y: number): [number, number, number] }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at: (x, y) => {
      const i = (Math.round(y) * info.width + Math.round(x)) * info.channels;
      return [data[i] ?? -1, data[i + 1] ?? -1, data[i + 2] ?? -1];
    },
  };
}
const centre = (r: { x: number; y: number; width: number; height: number }): [number, number] => [r.x + r.width / 2, r.y + r.height / 2];

describe('chartPng', () => {
  describe('when the same figures are drawn twice', () => {
    it('gives the same bytes', async () => {
      const [first, second] = await Promise.all([chartPng(BARS), chartPng({ ...BARS, series: BARS.series.map((s) => ({ ...s, values: [...s.values] })) })]);
      expect(first.equals(second)).toBe(true);
      expect(first.equals(await chartPng({ ...BARS, series: [{ name: 'received', color: '#3b6ea5', values: [0, 5, 9] }] }))).toBe(false);
    });
  });

  describe('when it draws bars', () => {
    it('draws each bar in its series colour at its height on a white background, the tallest up to the top of the axis', async () => {
      const image = await pixels(await chartPng(BARS));
      expect([image.width, image.height]).toEqual([CHART_SIZE.width, CHART_SIZE.height]);
      const tallest = barRect(BARS, 0, 2);
      expect(tallest.y).toBeCloseTo(PLOT.top);
      expect(image.at(...centre(tallest))).toEqual([0x3b, 0x6e, 0xa5]);
      expect(image.at(...centre(barRect(BARS, 1, 1)))).toEqual([0xd1, 0x49, 0x5b]);
      // Above the half-height bar of February: background.
      const february = barRect(BARS, 0, 1);
      expect(image.at(february.x + february.width / 2, february.y - 10)).toEqual([255, 255, 255]);
      // January is all zeros: nothing drawn in its slot just above the axis.
      const january = barRect(BARS, 0, 0);
      expect(image.at(january.x + january.width / 2, PLOT.bottom - 3)).toEqual([255, 255, 255]);
    });
  });

  describe('when a label holds markup', () => {
    it('escapes it', () => {
      expect(chartSvg({ ...BARS, title: '<script>&' })).toContain('&#60;script&#62;&#38;');
    });
  });

  describe('when it draws a line', () => {
    it('runs through each value at the middle of its month', async () => {
      const line: Chart = { title: 'List size', kind: 'line', categories: ['Jan', 'Feb'], series: [{ name: 'active', color: '#2e4057', values: [10, 10] }] };
      const image = await pixels(await chartPng(line));
      const slot = (PLOT.right - PLOT.left) / 2;
      expect(image.at(PLOT.left + slot, PLOT.top)).toEqual([0x2e, 0x40, 0x57]);
      expect(image.at(PLOT.left + slot, PLOT.top + 20)).toEqual([255, 255, 255]);
    });
  });
});
