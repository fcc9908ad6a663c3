/** Renders a Vega-Lite spec headless: SVG by Vega, then PNG by sharp (flattened on white). */
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** Writes `base`.svg and `base`.png; returns their paths. */
export async function renderVegaLite(spec: vl.TopLevelSpec, base: string): Promise<{ svg: string; png: string }> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  const paths = { svg: `${base}.svg`, png: `${base}.png` };
  writeFileSync(paths.svg, svg);
  await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png({ compressionLevel: 9, palette: true }).toFile(paths.png);
  return paths;
}
