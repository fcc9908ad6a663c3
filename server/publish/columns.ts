import type { IndicatorEntry, IndicatorGroup } from '../../shared/wire/indicator-group.ts';
import { internCategory } from '../../shared/wire/indicator-group.ts';

/**
 * Packs entries (in id order) into one column group per algorithm without an
 * intermediate object per entry beyond the iterator's.
 */
export function groupFromColumns(entries: Iterable<IndicatorEntry>): { groups: IndicatorGroup[]; categories: string[]; count: number } {
  const categories: string[] = [];
  const builders = new Map<string, { ids: number[]; hashes: Uint8Array[]; cats: number[] }>();
  let count = 0;
  for (const e of entries) {
    let b = builders.get(e.algorithm);
    if (b === undefined) {
      b = { ids: [], hashes: [], cats: [] };
      builders.set(e.algorithm, b);
    }
    b.ids.push(e.id);
    b.hashes.push(e.hash);
    b.cats.push(internCategory(categories, e.category));
    count++;
  }
  const groups = [...builders.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([algorithm, b]) => ({
      algorithm,
      ids: Uint32Array.from(b.ids),
      hashes: Buffer.concat(b.hashes),
      categories: Uint8Array.from(b.cats),
    }));
  return { groups, categories, count };
}
