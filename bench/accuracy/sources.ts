/**
 * Where originals come from: the synthetic corpus (fixtures/), or a folder
 * of a researcher's own images (`--images DIR`), walked recursively and
 * grouped by first-level sub-folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import sharp from 'sharp';
import { corpusSpecs, type FamilyName, generateImage } from '../../fixtures/index.ts';
import type { OriginalSource } from './types.ts';

export interface SyntheticOptions {
  readonly seed: number;
  readonly count: number;
  readonly minSide: number;
  readonly maxSide: number;
  readonly families?: readonly FamilyName[];
  /** Fixed sizes, cycled through, instead of the corpus's drawn ones (the quick preset uses this). */
  readonly sizes?: readonly (readonly [number, number])[];
}

export function syntheticSource(options: SyntheticOptions): OriginalSource {
  const { sizes } = options;
  const drawn = corpusSpecs(options);
  const specs =
    sizes === undefined || sizes.length === 0
      ? drawn
      : drawn.map((spec, i) => {
          const [width, height] = sizes[i % sizes.length] ?? [spec.width, spec.height];
          return { ...spec, width, height };
        });
  const sizeText = sizes === undefined ? `longer side ${options.minSide} to ${options.maxSide} px` : `sizes ${sizes.map(([w, h]) => `${w}x${h}`).join(', ')}`;
  return {
    kind: 'synthetic',
    description: `synthetic corpus (fixtures/, ${[...new Set(specs.map((s) => s.family))].join(', ')}; ${sizeText}; JPEG, PNG, WebP)`,
    count: specs.length,
    async load(index) {
      const spec = specs[index];
      if (spec === undefined) throw new RangeError(`no original ${index}`);
      const bytes = await generateImage(spec);
      return { info: { id: spec.id, family: spec.family, width: spec.width, height: spec.height, format: spec.format }, bytes };
    },
  };
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif', '.tif', '.tiff', '.heic', '.heif']);

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (IMAGE_EXTENSIONS.has(extname(name).toLowerCase())) out.push(path);
  }
}

/** A folder's images in sorted path order, at most `limit` of them. */
export function folderSource(dir: string, limit?: number): OriginalSource {
  const files: string[] = [];
  walk(dir, files);
  const chosen = limit === undefined ? files : files.slice(0, limit);
  return {
    kind: 'folder',
    description: `${chosen.length} images from ${dir}`,
    count: chosen.length,
    async load(index) {
      const path = chosen[index];
      if (path === undefined) throw new RangeError(`no original ${index}`);
      const bytes = readFileSync(path);
      const meta = await sharp(bytes).metadata();
      const rel = relative(dir, path);
      const parts = rel.split(sep);
      return {
        info: {
          id: rel,
          family: parts.length > 1 ? (parts[0] ?? '.') : '.',
          width: meta.autoOrient.width,
          height: meta.autoOrient.height,
          format: meta.format,
        },
        bytes,
      };
    },
  };
}
