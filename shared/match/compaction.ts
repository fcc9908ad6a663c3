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

/** What the compactor needs from the index it compacts. */
export interface CompactionHost {
  /** The frozen segments now. */
  frozen(): readonly Segment[];
  /** Puts `merged` in place of `sources`, at once (null: nothing of them is live). */
  replace(sources: readonly Segment[], merged: Segment | null): void;
}

interface Job {
  readonly sources: readonly Segment[];
  /** Ids whose rows in `sources` died while the job ran. */
  readonly removed: number[];
  readonly steps: Generator<void, Segment>;
}

/**
 * Runs merges in the background: slices of at most `sliceMs` handed to
 * `schedule`, a swap through the host when a merge is done, and the removals
 * that hit its sources meanwhile applied to its result.
 */
export class Compactor {
  readonly #host: CompactionHost;
  readonly #target: BuildTarget;
  readonly #schedule: (work: () => void) => void;
  readonly #sliceMs: number;
  #job: Job | null = null;
  #full = false;
  #queued = false;
  #stopped = false;
  #waiters: (() => void)[] = [];

  constructor(host: CompactionHost, target: BuildTarget, schedule: (work: () => void) => void, sliceMs: number) {
    this.#host = host;
    this.#target = target;
    this.#schedule = schedule;
    this.#sliceMs = sliceMs;
  }

  get running(): boolean {
    return this.#job !== null;
  }

  /** The row of `id` in `segment` died; a running merge reading that segment must drop it too. */
  removed(segment: Segment, id: number): void {
    if (this.#job?.sources.includes(segment) === true) this.#job.removed.push(id);
  }

  /** Starts background work if the policy asks for some. */
  poke(): void {
    if (this.#job === null && pickMerge(this.#host.frozen(), false) !== null) this.#queue();
  }

  /** Runs the policy (or, with `full`, everything into as few segments as possible) to completion. */
  run(full: boolean): Promise<void> {
    if (full) this.#full = true;
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.#queue();
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#job = null;
    this.#settle();
  }

  #settle(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  #queue(): void {
    if (this.#queued || this.#stopped) return;
    this.#queued = true;
    this.#schedule(() => {
      this.#queued = false;
      this.#slice();
    });
  }

  /** One slice: work until the deadline passes (checked between steps), then yield to queries. */
  #slice(): void {
    if (this.#stopped) return;
    const deadline = performance.now() + this.#sliceMs;
    for (;;) {
      if (this.#job === null) {
        const sources = pickMerge(this.#host.frozen(), this.#full);
        if (sources === null) {
          this.#full = false;
          this.#settle();
          return;
        }
        this.#job = { sources, removed: [], steps: mergeSegments(this.#target, sources) };
      }
      const job = this.#job;
      let step = job.steps.next();
      while (step.done !== true && performance.now() < deadline) step = job.steps.next();
      if (step.done === true) this.#swap(job, step.value);
      if (performance.now() >= deadline) {
        this.#queue();
        return;
      }
    }
  }

  #swap(job: Job, merged: Segment): void {
    for (const id of job.removed) {
      const row = merged.findLive(id);
      if (row >= 0) merged.kill(row);
    }
    this.#job = null;
    this.#host.replace(job.sources, merged.live > 0 ? merged : null);
  }
}
