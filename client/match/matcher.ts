import { getAlgorithm, isAlgorithmName } from '../../shared/hashing/registry.ts';
import { VideoIndex, type VideoFrame, type VideoMatch, type VideoMatchRule } from '../../shared/video-match/index.ts';
import { DIHEDRAL_NAMES } from '../../shared/hashing/pdq.ts';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHammingIndex, loadHammingIndex, type HammingIndex } from '../../shared/match/index.ts';
import type { IndicatorEntry } from '../../shared/wire/indicator-group.ts';
import type { AppliedChange } from '../replica/replica.ts';

export interface QueryHash {
  readonly algorithm: string;
  readonly hash: Uint8Array;
  /** PDQ only: the 8 dihedral variants (DIHEDRAL_NAMES order), matched in one call. */
  readonly dihedrals?: readonly Uint8Array[];
}

export interface IndicatorMatch {
  readonly indicatorId: number;
  readonly algorithm: string;
  readonly distance: number;
  /** Which PDQ variant matched ('original', 'rotate90', ...); 'original' for other algorithms. */
  readonly variant: string;
}

const PERCEPTUAL = ['pdq', 'phash64', 'dhash64'] as const;
const PDQ_INDEX_FILE = 'pdq.index';
const PDQ_INDEX_META = 'pdq.index.json';

function readIndexMeta(dir: string): { version: number; stateDigest: string } | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(join(dir, PDQ_INDEX_META), 'utf8'));
    const version: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, 'version') : undefined;
    const stateDigest: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, 'stateDigest') : undefined;
    return typeof version === 'number' && typeof stateDigest === 'string' ? { version, stateDigest } : undefined;
  } catch {
    return undefined;
  }
}
type Perceptual = (typeof PERCEPTUAL)[number];
const isPerceptual = (a: string): a is Perceptual => (PERCEPTUAL as readonly string[]).includes(a);
const VIDEO = 'vpdq';
/** Algorithms held in the exact index: the registry's exact ones. Anything else unknown is skipped (docs/SIDECAR.md, "Unknown algorithms"). */
const isExact = (a: string): boolean => isAlgorithmName(a) && getAlgorithm(a).kind === 'exact';
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/**
 * The in-memory match index over the replica: a multi-index Hamming index
 * per perceptual algorithm (shared/match) and an exact map for MD5 and
 * SHA-256. Updated incrementally from each applied delta; a snapshot
 * replaces everything by building new indexes aside and swapping them in,
 * so a query sees the old set or the new one, never a mix.
 */
export class Matcher {
  #hamming: Map<Perceptual, HammingIndex>;
  #exact: ExactIndex;
  #video: VideoIndex;
  /** Indicators of algorithms this sidecar does not know: held in the replica (their digest verifies), never matched, counted. */
  #skipped: SkippedIndicators;
  #size = 0;

  private constructor(built: Built) {
    this.#hamming = built.hamming;
    this.#exact = built.exact;
    this.#video = built.video;
    this.#skipped = built.skipped;
    this.#size = built.size;
  }

  static async create(entries: Iterable<IndicatorEntry> = []): Promise<Matcher> {
    return new Matcher(await build(entries));
  }

  /**
   * The matcher for a replica, loading the PDQ index from the compact file
   * kept beside the replica when that file was saved at the replica's
   * current version and digest (a load, not a rebuild: seconds at 10M), and
   * building everything from the replica otherwise.
   */
  static async open(source: { entries(except?: string): Iterable<IndicatorEntry>; state(): { version: number; stateDigest: Uint8Array | null } }, dir: string): Promise<Matcher> {
    const saved = readIndexMeta(dir);
    const state = source.state();
    if (saved === undefined || saved.version !== state.version || saved.stateDigest !== hex(state.stateDigest ?? new Uint8Array())) {
      return Matcher.create(source.entries());
    }
    const pdqIndex = await loadHammingIndex(join(dir, PDQ_INDEX_FILE));
    const built = await build(source.entries('pdq'));
    built.hamming.get('pdq')?.close();
    built.hamming.set('pdq', pdqIndex);
    return new Matcher({ ...built, size: built.size + pdqIndex.size });
  }

  /** Writes the PDQ index beside the replica, stamped with the replica state it reflects. */
  save(dir: string, state: { version: number; stateDigest: Uint8Array | null }): void {
    const index = this.#hamming.get('pdq');
    if (index === undefined) return;
    mkdirSync(dir, { recursive: true });
    // Meta last: a crash in between leaves no meta (or an older one), and the next start rebuilds.
    rmSync(join(dir, PDQ_INDEX_META), { force: true });
    index.save(join(dir, PDQ_INDEX_FILE));
    const meta = `${JSON.stringify({ version: state.version, stateDigest: hex(state.stateDigest ?? new Uint8Array()) })}\n`;
    writeFileSync(join(dir, `${PDQ_INDEX_META}.tmp`), meta);
    renameSync(join(dir, `${PDQ_INDEX_META}.tmp`), join(dir, PDQ_INDEX_META));
  }

  get size(): number {
    return this.#size;
  }

  /** Applies what the replica committed; a replacement builds aside, then swaps. */
  async apply(change: AppliedChange): Promise<void> {
    if (change.replaced) {
      const next = await build(change.adds);
      const old = { hamming: this.#hamming, video: this.#video };
      this.#hamming = next.hamming;
      this.#exact = next.exact;
      this.#video = next.video;
      this.#skipped = next.skipped;
      this.#size = next.size;
      for (const index of old.hamming.values()) index.close();
      old.video.close();
      return;
    }
    this.applySync(change);
  }

  /**
   * An incremental delta, applied synchronously (no await between its parts),
   * so no query can run in the middle of it.
   */
  applySync(change: AppliedChange): void {
    const removed = new Set(change.removes);
    for (const index of this.#hamming.values()) {
      const present = [...removed].filter((id) => index.has(id));
      if (present.length > 0) index.applyDelta({ removes: present });
    }
    for (const id of removed) this.#exact.remove(id);
    const byAlgorithm = groupByAlgorithm(change.adds);
    this.#video.applyDelta({
      removes: [...removed].filter((id) => this.#video.has(id)),
      adds: (byAlgorithm.get(VIDEO) ?? []).map((e) => ({ id: e.id, value: e.hash })),
    });
    for (const id of removed) this.#skipped.remove(id);
    for (const [algorithm, entries] of byAlgorithm) {
      if (isPerceptual(algorithm)) {
        const index = this.#hamming.get(algorithm);
        if (index === undefined) throw new Error(`no index for ${algorithm}`);
        index.applyDelta({ adds: entries.map((e) => ({ id: e.id, hash: e.hash })) });
      } else if (isExact(algorithm)) this.#exact.add(entries);
      else if (algorithm !== VIDEO) this.#skipped.add(entries);
    }
    this.#size += change.adds.length - change.removes.length;
  }

  /** Every indicator within the algorithm's default threshold of each query hash. */
  match(queries: readonly QueryHash[]): IndicatorMatch[] {
    const out: IndicatorMatch[] = [];
    for (const q of queries) {
      if (isPerceptual(q.algorithm)) {
        const index = this.#hamming.get(q.algorithm);
        if (index === undefined) continue;
        const threshold = getAlgorithm(q.algorithm).defaultThreshold;
        if (q.dihedrals !== undefined && q.dihedrals.length > 0) {
          for (const m of index.searchMany(q.dihedrals, threshold)) {
            out.push({ indicatorId: m.id, algorithm: q.algorithm, distance: m.distance, variant: DIHEDRAL_NAMES[m.variant] ?? String(m.variant) });
          }
        } else {
          for (const m of index.search(q.hash, threshold)) out.push({ indicatorId: m.id, algorithm: q.algorithm, distance: m.distance, variant: 'original' });
        }
      } else {
        for (const id of this.#exact.lookup(q.algorithm, q.hash)) out.push({ indicatorId: id, algorithm: q.algorithm, distance: 0, variant: 'original' });
      }
    }
    return out;
  }

  /**
   * The video indicators a video's frame list matches under the vPDQ rule
   * (shared/video-match: Pc = 80% of the indicator's unique frames, Pq = 0%
   * of the query's, unless `rule` says otherwise), with both shares and the
   * first matching query timestamps. One range query per unique usable
   * query frame.
   */
  matchVideo(frames: readonly VideoFrame[], rule?: Partial<VideoMatchRule>): VideoMatch[] {
    return this.#video.match(frames, rule);
  }

  /**
   * Whether any indicator of `algorithm` is held: a scan computes only the
   * hashes the feed can match (pHash, MD5 and SHA-256 cost about a
   * millisecond of a photo's scan together).
   */
  holds(algorithm: string): boolean {
    if (isPerceptual(algorithm)) return (this.#hamming.get(algorithm)?.size ?? 0) > 0;
    if (algorithm === VIDEO) return this.#video.size > 0;
    return this.#exact.holds(algorithm);
  }

  /** Indicators held but not matched, per algorithm this sidecar does not know (a newer Centre's), sorted by name. */
  skipped(): { algorithm: string; indicators: number }[] {
    return this.#skipped.counts();
  }

  bytesUsed(): number {
    return [...this.#hamming.values()].reduce((n, i) => n + i.bytesUsed(), 0) + this.#video.bytesUsed();
  }

  close(): void {
    for (const index of this.#hamming.values()) index.close();
    this.#video.close();
  }
}

/** Ids of indicators of unknown algorithms, so that their counts follow removals. */
class SkippedIndicators {
  readonly #algorithmOf = new Map<number, string>();

  add(entries: readonly IndicatorEntry[]): void {
    for (const e of entries) this.#algorithmOf.set(e.id, e.algorithm);
  }

  remove(id: number): void {
    this.#algorithmOf.delete(id);
  }

  counts(): { algorithm: string; indicators: number }[] {
    const counts = new Map<string, number>();
    for (const algorithm of this.#algorithmOf.values()) counts.set(algorithm, (counts.get(algorithm) ?? 0) + 1);
    return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([algorithm, indicators]) => ({ algorithm, indicators }));
  }
}

function groupByAlgorithm(entries: Iterable<IndicatorEntry>): Map<string, IndicatorEntry[]> {
  const groups = new Map<string, IndicatorEntry[]>();
  for (const e of entries) {
    const list = groups.get(e.algorithm);
    if (list === undefined) groups.set(e.algorithm, [e]);
    else list.push(e);
  }
  return groups;
}

/** Exact hashes (MD5, SHA-256): equality only, keyed by algorithm and hex, with the reverse map for removals. */
class ExactIndex {
  readonly #ids = new Map<string, number[]>();
  readonly #keyOf = new Map<number, string>();
  /** Indicators held per algorithm. */
  readonly #counts = new Map<string, number>();

  add(entries: readonly IndicatorEntry[]): void {
    for (const e of entries) {
      const key = `${e.algorithm}:${hex(e.hash)}`;
      this.remove(e.id);
      const ids = this.#ids.get(key);
      if (ids === undefined) this.#ids.set(key, [e.id]);
      else ids.push(e.id);
      this.#keyOf.set(e.id, key);
      this.#counts.set(e.algorithm, (this.#counts.get(e.algorithm) ?? 0) + 1);
    }
  }

  holds(algorithm: string): boolean {
    return (this.#counts.get(algorithm) ?? 0) > 0;
  }

  remove(id: number): void {
    const key = this.#keyOf.get(id);
    if (key === undefined) return;
    this.#keyOf.delete(id);
    const algorithm = key.slice(0, key.indexOf(':'));
    this.#counts.set(algorithm, (this.#counts.get(algorithm) ?? 1) - 1);
    const kept = (this.#ids.get(key) ?? []).filter((x) => x !== id);
    if (kept.length === 0) this.#ids.delete(key);
    else this.#ids.set(key, kept);
  }

  lookup(algorithm: string, hash: Uint8Array): readonly number[] {
    return this.#ids.get(`${algorithm}:${hex(hash)}`) ?? [];
  }
}

interface Built {
  readonly hamming: Map<Perceptual, HammingIndex>;
  readonly exact: ExactIndex;
  readonly video: VideoIndex;
  readonly skipped: SkippedIndicators;
  readonly size: number;
}

async function build(entries: Iterable<IndicatorEntry>): Promise<Built> {
  const byAlgorithm = groupByAlgorithm(entries);
  const hamming = new Map<Perceptual, HammingIndex>();
  const exact = new ExactIndex();
  const skipped = new SkippedIndicators();
  const video = await VideoIndex.create();
  let size = 0;
  for (const algorithm of PERCEPTUAL) {
    const bits = getAlgorithm(algorithm).bits === 256 ? 256 : 64;
    const index = await createHammingIndex({ bits, threshold: getAlgorithm(algorithm).defaultThreshold });
    const list = byAlgorithm.get(algorithm) ?? [];
    if (list.length > 0) {
      const width = bits / 8;
      const ids = new Uint32Array(list.length);
      const hashes = new Uint8Array(list.length * width);
      list.forEach((e, i) => {
        ids[i] = e.id;
        hashes.set(e.hash, i * width);
      });
      index.applyDelta({ adds: { ids, hashes } });
    }
    hamming.set(algorithm, index);
    size += list.length;
  }
  for (const [algorithm, list] of byAlgorithm) {
    if (isPerceptual(algorithm)) continue;
    if (algorithm === VIDEO) video.applyDelta({ adds: list.map((e) => ({ id: e.id, value: e.hash })) });
    else if (isExact(algorithm)) exact.add(list);
    else skipped.add(list);
    size += list.length;
  }
  return { hamming, exact, video, skipped, size };
}
