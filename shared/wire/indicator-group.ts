import { WireError } from './errors.ts';
import { bytes, exactRecord, str } from './guards.ts';

/** Category codes (a configurable scheme such as A1, B2) and reason codes share one shape on the wire. */
export const CATEGORY_PATTERN = /^[A-Z0-9][A-Z0-9_-]{0,15}$/;
export const REASON_PATTERN = /^[A-Z][A-Z0-9_]{0,31}$/;
export const ALGORITHM_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * Indicators of one algorithm, in columns: n ids, n hashes back to back, n
 * category indexes into the enclosing object's category table. Columns keep
 * a 1M-indicator snapshot at ~37 bytes per PDQ indicator and decode without
 * an object per entry (docs/PROTOCOL.md, "Indicator groups").
 */
export interface IndicatorGroup {
  readonly algorithm: string;
  /** Strictly ascending. */
  readonly ids: Uint32Array;
  /** ids.length * hashLength bytes. */
  readonly hashes: Uint8Array;
  readonly categories: Uint8Array;
}

export interface IndicatorEntry {
  readonly id: number;
  readonly algorithm: string;
  readonly hash: Uint8Array;
  readonly category: string;
}

/** Wire form: ids as big-endian uint32, so the bytes are the same on every platform. */
export function encodeGroup(group: IndicatorGroup): Record<string, unknown> {
  const ids = new Uint8Array(group.ids.length * 4);
  const view = new DataView(ids.buffer);
  group.ids.forEach((id, i) => view.setUint32(i * 4, id, false));
  return { algorithm: group.algorithm, ids, hashes: group.hashes, categories: group.categories };
}

/**
 * Parses one group. `hashLength` maps an algorithm name to its hash length in
 * bytes (from the registry) and throws for an unknown algorithm;
 * `categoryCount` bounds the category indexes.
 */
export function parseGroup(value: unknown, what: string, hashLength: (algorithm: string) => number, categoryCount: number): IndicatorGroup {
  const fields = exactRecord(value, what, ['algorithm', 'ids', 'hashes', 'categories']);
  const algorithm = str(fields.algorithm, `${what}.algorithm`, 32, ALGORITHM_PATTERN);
  let length: number;
  try {
    length = hashLength(algorithm);
  } catch (cause) {
    throw new WireError('WIRE_BAD_FIELD', `${what}.algorithm '${algorithm}' is not a known algorithm`, { cause });
  }
  const idBytes = bytes(fields.ids, `${what}.ids`);
  if (idBytes.byteLength % 4 !== 0) throw new WireError('WIRE_BAD_FIELD', `${what}.ids is not a whole number of uint32`);
  const n = idBytes.byteLength / 4;
  const hashes = bytes(fields.hashes, `${what}.hashes`, n * length);
  const categories = bytes(fields.categories, `${what}.categories`, n);
  const ids = new Uint32Array(n);
  const view = new DataView(idBytes.buffer, idBytes.byteOffset, idBytes.byteLength);
  for (let i = 0; i < n; i++) {
    const id = view.getUint32(i * 4, false);
    if (i > 0 && id <= (ids[i - 1] ?? 0)) throw new WireError('WIRE_BAD_FIELD', `${what}.ids must be strictly ascending (index ${i})`);
    ids[i] = id;
  }
  for (let i = 0; i < n; i++) {
    if ((categories[i] ?? 0) >= categoryCount) throw new WireError('WIRE_BAD_FIELD', `${what}.categories[${i}] is outside the category table`);
  }
  return { algorithm, ids, hashes, categories };
}

/**
 * Packs entries, in ascending id order, into one column group per algorithm
 * (algorithms sorted by name) and the category table they index.
 */
export function groupsFromEntries(entries: Iterable<IndicatorEntry>): { groups: IndicatorGroup[]; categories: string[]; count: number } {
  const categories: string[] = [];
  const builders = new Map<string, { ids: number[]; hashes: Uint8Array[]; cats: number[] }>();
  let count = 0;
  let last = -1;
  for (const e of entries) {
    if (e.id <= last) throw new WireError('WIRE_BAD_FIELD', `entries out of id order at ${e.id}`);
    last = e.id;
    let builder = builders.get(e.algorithm);
    if (builder === undefined) {
      builder = { ids: [], hashes: [], cats: [] };
      builders.set(e.algorithm, builder);
    }
    builder.ids.push(e.id);
    builder.hashes.push(e.hash);
    builder.cats.push(internCategory(categories, e.category));
    count++;
  }
  const groups = [...builders.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([algorithm, b]) => ({ algorithm, ids: Uint32Array.from(b.ids), hashes: new Uint8Array(Buffer.concat(b.hashes)), categories: Uint8Array.from(b.cats) }));
  return { groups, categories, count };
}

export function internCategory(table: string[], category: string): number {
  let index = table.indexOf(category);
  if (index < 0) {
    if (table.length >= 255) throw new WireError('WIRE_BAD_FIELD', 'more than 255 distinct categories in one object');
    index = table.push(category) - 1;
  }
  return index;
}

/** The entries of a group, in id order. */
export function* groupEntries(group: IndicatorGroup, table: readonly string[]): Generator<IndicatorEntry> {
  const length = group.ids.length === 0 ? 0 : group.hashes.byteLength / group.ids.length;
  for (let i = 0; i < group.ids.length; i++) {
    yield {
      id: group.ids[i] ?? 0,
      algorithm: group.algorithm,
      hash: group.hashes.subarray(i * length, (i + 1) * length),
      category: table[group.categories[i] ?? 0] ?? '',
    };
  }
}

/** Refuses an id that appears twice across the groups of one object. */
export function assertDistinctIds(groups: readonly IndicatorGroup[], what: string): void {
  if (groups.length <= 1) return;
  const seen = new Set<number>();
  for (const g of groups) {
    for (const id of g.ids) {
      if (seen.has(id)) throw new WireError('WIRE_DUPLICATE_ID', `${what}: indicator ${id} appears twice`);
      seen.add(id);
    }
  }
}
