/**
 * Which segments to merge next, and the merge itself as a resumable job.
 *
 * Policy (size-tiered): sort frozen segments by live rows, smallest first,
 * and grow a group while the next segment is at most RATIO times the group so
 * far; a group of two or more is merged. So a stream of small deltas keeps
 * merging into one growing segment, which joins the big one once it reaches
 * 1/RATIO of it: the number of segments stays logarithmic and small segments
 * never make up more than about 1/RATIO of the rows. A segment whose
 * tombstones exceed a quarter of its rows is rewritten on its own.
 */
import { allocateFrozen, fillSegment, mergeOrder, sortRowsById, sourceOfSegment, type BuildTarget, type RowSource } from './build.ts';
import type { Segment } from './segment.ts';

const RATIO = 8;
const DEAD_FRACTION = 0.25;
const DEAD_MINIMUM = 256;
/** Rows per segment: postings hold (row << remBits) in 32 bits with remBits <= 8. */
export const MAX_SEGMENT_ROWS = 2 ** 24;

export function pickMerge(segments: readonly Segment[], full: boolean): Segment[] | null {
  const bySize = [...segments].sort((a, b) => a.live - b.live);
  const group: Segment[] = [];
  let sum = 0;
  for (const segment of bySize) {
    const fits = sum + segment.live <= MAX_SEGMENT_ROWS;
    if (group.length > 0 && (!fits || (!full && segment.live > RATIO * sum))) break;
    group.push(segment);
    sum += segment.live;
  }
  if (group.length >= 2) return group;
  const wasteful = segments.find((s) => s.deadRows > 0 && (full || (s.deadRows >= DEAD_MINIMUM && s.deadRows > DEAD_FRACTION * s.rows)));
  return wasteful === undefined ? null : [wasteful];
}

/** Live rows of a frozen segment (already in id order), pausing every few thousand rows. */
function* liveRows(source: RowSource, rows: number): Generator<void, Uint32Array> {
  const out = new Uint32Array(rows);
  let n = 0;
  const dead = source.dead;
  for (let row = 0; row < rows; row++) {
    if (dead === null || (((dead[row >>> 5] ?? 0) >>> (row & 31)) & 1) === 0) out[n++] = row;
    if ((row & 0xffff) === 0xffff) yield;
  }
  return out.subarray(0, n);
}

/**
 * Merges `sources` (their live rows as of now: tombstones are snapshotted)
 * into one new frozen segment. The caller swaps it in when the generator
 * returns and re-applies the removals that happened meanwhile.
 */
export function* mergeSegments(target: BuildTarget, sources: readonly Segment[]): Generator<void, Segment> {
  const rowSources = sources.map((s) => sourceOfSegment(s, true));
  const orders: Uint32Array[] = [];
  for (let i = 0; i < sources.length; i++) {
    const segment = sources[i];
    const source = rowSources[i];
    if (segment === undefined || source === undefined) continue;
    const live = yield* liveRows(source, segment.rows);
    orders.push(segment.idToRow === null ? live : sortRowsById(source.ids, live));
  }
  const order = rowSources.length === 1 ? { srcOf: null, rowOf: orders[0] ?? new Uint32Array(0) } : yield* mergeOrder(rowSources, orders);
  const segment = allocateFrozen(target, order.rowOf.length);
  yield;
  return yield* fillSegment(segment, rowSources, order);
}
