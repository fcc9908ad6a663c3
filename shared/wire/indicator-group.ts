import { WireError } from './errors.ts';
import { bytes, exactRecord, str } from './guards.ts';
import { feedHashLayout, type LayoutOf } from './hash-layout.ts';

/** Category codes (a configurable scheme such as A1, B2) and reason codes share one shape on the wire. */
export const CATEGORY_PATTERN = /^[A-Z0-9][A-Z0-9_-]{0,15}$/;
export const REASON_PATTERN = /^[A-Z][A-Z0-9_]{0,31}$/;
export const ALGORITHM_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * Indicators of one algorithm, in columns: n ids, n hashes back to back, n
 * category indexes into the enclosing object's category table. Columns keep
 * a 1M-indicator snapshot at ~37 bytes per PDQ indicator and decode without
 * an object per entry (docs/PROTOCOL.md, "Indicator groups"). A group of
 * variable-length hashes (vpdq's frame lists) adds the byte length of each.
 */
export interface IndicatorGroup {
  readonly algorithm: string;
  /** Strictly ascending. */
  readonly ids: Uint32Array;
  /** ids.length * hashLength bytes; with `lengths`, their sum. */
  readonly hashes: Uint8Array;
  readonly categories: Uint8Array;
  /** Per indicator, its hash's byte length: present exactly when the hashes vary in length (8.1). */
  readonly lengths?: Uint32Array;
}

/** The most bytes one hash of an algorithm this code does not know may take (a group of one is still bounded by the object's cap). */
export const MAX_OPAQUE_HASH_BYTES = 1 << 20;

export interface IndicatorEntry {
  readonly id: number;
  readonly algorithm: string;
  readonly hash: Uint8Array;
  readonly category: string;
}

const uint32Column = (values: Uint32Array): Uint8Array => {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v, false));
  return out;
};

/** Wire form: ids (and lengths) as big-endian uint32, so the bytes are the same on every platform. */
export function encodeGroup(group: IndicatorGroup): Record<string, unknown> {
  return {
    algorithm: group.algorithm,
    ids: uint32Column(group.ids),
    hashes: group.hashes,
    categories: group.categories,
    ...(group.lengths === undefined ? {} : { lengths: uint32Column(group.lengths) }),
  };
}

function readUint32Column(value: unknown, what: string): Uint32Array {
  const raw = bytes(value, what);
  if (raw.byteLength % 4 !== 0) throw new WireError('WIRE_BAD_FIELD', `${what} is not a whole number of uint32`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Uint32Array(raw.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, false);
  return out;
}

/**
 * Parses one group. `layoutOf` gives an algorithm's hash layout (from the
 * registry, `feedHashLayout`); an algorithm it does not know is still
 * parsed, its hashes kept as opaque bytes (docs/PROTOCOL.md 8.1, "Unknown
 * algorithms"), so that the state digest verifies and removals apply.
 * `categoryCount` bounds the category indexes.
 */
export function parseGroup(value: unknown, what: string, layoutOf: LayoutOf, categoryCount: number): IndicatorGroup {
  const fields = exactRecord(value, what, ['algorithm', 'ids', 'hashes', 'categories'], ['lengths']);
  const algorithm = str(fields.algorithm, `${what}.algorithm`, 32, ALGORITHM_PATTERN);
  const layout = layoutOf(algorithm);
  const ids = readUint32Column(fields.ids, `${what}.ids`);
  const n = ids.length;
  for (let i = 1; i < n; i++) {
    if ((ids[i] ?? 0) <= (ids[i - 1] ?? 0)) throw new WireError('WIRE_BAD_FIELD', `${what}.ids must be strictly ascending (index ${i})`);
  }
  const categories = bytes(fields.categories, `${what}.categories`, n);
  for (let i = 0; i < n; i++) {
    if ((categories[i] ?? 0) >= categoryCount) throw new WireError('WIRE_BAD_FIELD', `${what}.categories[${i}] is outside the category table`);
  }
  const hashes = bytes(fields.hashes, `${what}.hashes`);
  if (fields.lengths === undefined) {
    if (layout?.kind === 'frames') throw new WireError('WIRE_MISSING_FIELD', `${what} lacks field 'lengths' (${algorithm} hashes vary in length)`);
    const length = layout?.kind === 'fixed' ? layout.bytes : n === 0 ? 0 : hashes.byteLength / n;
    const fits = layout !== undefined || n === 0 || (Number.isInteger(length) && length >= 1 && length <= MAX_OPAQUE_HASH_BYTES);
    if (!fits || hashes.byteLength !== n * length) throw new WireError('WIRE_BAD_FIELD', `${what}.hashes must be ${n} hashes of ${layout?.kind === 'fixed' ? `${layout.bytes} bytes` : 'one length'}`);
    return { algorithm, ids, hashes, categories };
  }
  if (layout?.kind === 'fixed') throw new WireError('WIRE_BAD_FIELD', `${what}.lengths is not allowed: ${algorithm} hashes are ${layout.bytes} bytes each`);
  const lengths = readUint32Column(fields.lengths, `${what}.lengths`);
  if (lengths.length !== n) throw new WireError('WIRE_BAD_FIELD', `${what}.lengths must hold ${n} lengths`);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const length = lengths[i] ?? 0;
    const ok =
      layout === undefined
        ? length >= 1 && length <= MAX_OPAQUE_HASH_BYTES
        : length >= layout.frameBytes && length <= layout.frameBytes * layout.maxFrames && length % layout.frameBytes === 0;
    if (!ok) throw new WireError('WIRE_BAD_FIELD', `${what}.lengths[${i}] is not a valid ${algorithm} hash length`);
    total += length;
  }
  if (total !== hashes.byteLength) throw new WireError('WIRE_BAD_FIELD', `${what}.hashes must be the sum of ${what}.lengths bytes`);
  return { algorithm, ids, hashes, categories, lengths };
}

/**
 * Packs entries, in ascending id order, into one column group per algorithm
 * (algorithms sorted by name) and the category table they index. A group
 * carries `lengths` when its layout is `frames` (or, for an algorithm
 * `layoutOf` does not know, when its hashes differ in length).
 */
export function groupsFromEntries(entries: Iterable<IndicatorEntry>, layoutOf: LayoutOf = feedHashLayout): { groups: IndicatorGroup[]; categories: string[]; count: number } {
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
    .map(([algorithm, b]): IndicatorGroup => {
      const group = { algorithm, ids: Uint32Array.from(b.ids), hashes: new Uint8Array(Buffer.concat(b.hashes)), categories: Uint8Array.from(b.cats) };
      const layout = layoutOf(algorithm);
      const varies = layout === undefined && b.hashes.some((h) => h.byteLength !== b.hashes[0]?.byteLength);
      return layout?.kind === 'frames' || varies ? { ...group, lengths: Uint32Array.from(b.hashes, (h) => h.byteLength) } : group;
    });
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
  const fixed = group.ids.length === 0 ? 0 : group.hashes.byteLength / group.ids.length;
  let at = 0;
  for (let i = 0; i < group.ids.length; i++) {
    const length = group.lengths === undefined ? fixed : (group.lengths[i] ?? 0);
    yield {
      id: group.ids[i] ?? 0,
      algorithm: group.algorithm,
      hash: group.hashes.subarray(at, at + length),
      category: table[group.categories[i] ?? 0] ?? '',
    };
    at += length;
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
