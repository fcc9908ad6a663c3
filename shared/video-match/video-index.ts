import { createHammingIndex, type Engine, type HammingIndex } from '../match/index.ts';
import { VideoMatchError } from './errors.ts';
import { usableUniqueFrames, VPDQ_FRAME_BYTES, VPDQ_FRAME_DISTANCE, type VideoFrame } from './frames.ts';
import { meetsRule, videoMatchRule, type VideoMatchRule } from './rule.ts';

/** Matching query timestamps reported per indicator: the earliest few, where to look in the upload. */
export const MAX_MATCH_TIMESTAMPS = 5;

/** One video indicator the query matches under the rule. */
export interface VideoMatch {
  readonly indicatorId: number;
  /** Of the indicator's (C's) unique frames, the share (0..1) with a query frame within distance. */
  readonly candidateShare: number;
  /** Of the query's (Q's) unique usable frames, the share (0..1) with a frame of this indicator within distance. */
  readonly queryShare: number;
  readonly candidateMatched: number;
  readonly candidateFrames: number;
  readonly queryMatched: number;
  readonly queryFrames: number;
  /** The earliest query timestamps (seconds, ascending, at most MAX_MATCH_TIMESTAMPS) whose frame matched this indicator. */
  readonly timestamps: readonly number[];
}

export interface VideoIndexOptions {
  /** Default rule for match() (Pc 80, Pq 0). */
  readonly rule?: Partial<VideoMatchRule>;
  /** Frame distance, inclusive (default 31). */
  readonly distance?: number;
  readonly engine?: 'auto' | Engine;
}

/** A distinct frame hash: the row the Hamming index holds, and the videos that contain it (its postings). */
interface FramePosting {
  readonly key: string;
  readonly videos: number[];
}

const keyOf = (hash: Uint8Array): string => Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('latin1');

/**
 * Video indicators over the matching core: every distinct frame hash of
 * every indicator is one row of a Hamming index (shared/match), with
 * postings from the frame to the videos holding it. A query costs one range
 * query per unique usable query frame, whatever the number of videos; the
 * shares are then counted per video touched. Exact: the same answers as
 * compareFrameLists against each indicator (tested).
 */
export class VideoIndex {
  readonly #frames: HammingIndex;
  readonly #rule: VideoMatchRule;
  readonly #distance: number;
  readonly #frameIdOf = new Map<string, number>();
  readonly #postings = new Map<number, FramePosting>();
  /** Each video's distinct frame ids: its unique frame count, and what to unlink on removal. */
  readonly #videos = new Map<number, Uint32Array>();
  readonly #freeFrameIds: number[] = [];
  #nextFrameId = 0;

  private constructor(frames: HammingIndex, rule: VideoMatchRule, distance: number) {
    this.#frames = frames;
    this.#rule = rule;
    this.#distance = distance;
  }

  static async create(options: VideoIndexOptions = {}): Promise<VideoIndex> {
    const rule = videoMatchRule(options.rule);
    const distance = options.distance ?? VPDQ_FRAME_DISTANCE;
    if (!Number.isInteger(distance) || distance < 0 || distance > 63) throw new VideoMatchError('VIDEO_BAD_OPTIONS', 'distance is an integer from 0 to 63');
    const frames = await createHammingIndex({ bits: 256, threshold: distance, ...(options.engine === undefined ? {} : { engine: options.engine }) });
    return new VideoIndex(frames, rule, distance);
  }

  /** Video indicators held. */
  get size(): number {
    return this.#videos.size;
  }

  /** Distinct frame hashes held (rows of the Hamming index). */
  get frameCount(): number {
    return this.#postings.size;
  }

  has(id: number): boolean {
    return this.#videos.has(id);
  }

  /**
   * Removals first, then additions (an add of a held id replaces it), as a
   * delta applies; new frames enter the Hamming index in one batch.
   * `value` is an indicator value: n x 32 bytes of frame hashes.
   */
  applyDelta(change: { readonly removes?: Iterable<number>; readonly adds?: Iterable<{ readonly id: number; readonly value: Uint8Array }> }): void {
    const adds = [...(change.adds ?? [])];
    for (const a of adds) {
      if (a.value.byteLength === 0 || a.value.byteLength % VPDQ_FRAME_BYTES !== 0) throw new VideoMatchError('VIDEO_BAD_FRAMES', `video ${a.id}: not a whole, non-empty number of frame hashes`);
    }
    const unlinked: number[] = [];
    for (const id of change.removes ?? []) this.#unlink(id, unlinked);
    for (const a of adds) this.#unlink(a.id, unlinked);
    const newIds: number[] = [];
    const newHashes: Uint8Array[] = [];
    for (const { id, value } of adds) {
      const own = new Set<number>();
      for (let at = 0; at < value.byteLength; at += VPDQ_FRAME_BYTES) {
        const hash = value.subarray(at, at + VPDQ_FRAME_BYTES);
        const key = keyOf(hash);
        let frameId = this.#frameIdOf.get(key);
        if (frameId === undefined) {
          frameId = this.#freeFrameIds.pop() ?? this.#nextFrameId++;
          this.#frameIdOf.set(key, frameId);
          this.#postings.set(frameId, { key, videos: [] });
          newIds.push(frameId);
          newHashes.push(hash);
        }
        if (own.has(frameId)) continue;
        own.add(frameId);
        this.#postings.get(frameId)?.videos.push(id);
      }
      this.#videos.set(id, Uint32Array.from(own));
    }
    // Rows freed and taken again in this same change are removed, then re-added with their new hash.
    const retaken = new Set(newIds);
    const gone = unlinked.filter((f) => !this.#postings.has(f) || retaken.has(f));
    if (gone.length > 0 || newIds.length > 0) {
      this.#frames.applyDelta({
        removes: gone,
        adds: { ids: Uint32Array.from(newIds), hashes: new Uint8Array(Buffer.concat(newHashes)) },
      });
    }
  }

  add(id: number, value: Uint8Array): void {
    this.applyDelta({ adds: [{ id, value }] });
  }

  remove(id: number): boolean {
    const held = this.#videos.has(id);
    this.applyDelta({ removes: [id] });
    return held;
  }

  /**
   * The indicators `frames` matches under the rule (the index's own unless
   * given), the best covered first (candidate share, then query share, then
   * id). Frames under the quality floor and repeated hashes are dropped
   * first, as the reference does.
   */
  match(frames: readonly VideoFrame[], rule?: Partial<VideoMatchRule>): VideoMatch[] {
    const applied = rule === undefined ? this.#rule : videoMatchRule({ ...this.#rule, ...rule });
    const query = usableUniqueFrames(frames);
    const touched = new Map<number, { frames: Set<number>; queryMatched: number; timestamps: number[] }>();
    for (const q of query) {
      const videosOfThisFrame = new Set<number>();
      for (const hit of this.#frames.search(q.hash, this.#distance)) {
        for (const video of this.#postings.get(hit.id)?.videos ?? []) {
          let counts = touched.get(video);
          if (counts === undefined) {
            counts = { frames: new Set(), queryMatched: 0, timestamps: [] };
            touched.set(video, counts);
          }
          counts.frames.add(hit.id);
          if (videosOfThisFrame.has(video)) continue;
          videosOfThisFrame.add(video);
          counts.queryMatched++;
          counts.timestamps.push(...q.timestamps.slice(0, MAX_MATCH_TIMESTAMPS));
        }
      }
    }
    const out: VideoMatch[] = [];
    for (const [indicatorId, counts] of touched) {
      const candidateFrames = this.#videos.get(indicatorId)?.length ?? 0;
      const tally = { candidateMatched: counts.frames.size, candidateFrames, queryMatched: counts.queryMatched, queryFrames: query.length };
      if (!meetsRule(tally, applied)) continue;
      const timestamps = [...new Set(counts.timestamps)].sort((a, b) => a - b).slice(0, MAX_MATCH_TIMESTAMPS);
      out.push({ indicatorId, candidateShare: tally.candidateMatched / candidateFrames, queryShare: tally.queryMatched / query.length, ...tally, timestamps });
    }
    return out.sort((a, b) => b.candidateShare - a.candidateShare || b.queryShare - a.queryShare || a.indicatorId - b.indicatorId);
  }

  bytesUsed(): number {
    return this.#frames.bytesUsed();
  }

  close(): void {
    this.#frames.close();
  }

  /** Drops a video's postings; frames no other video holds leave the maps, their ids listed in `unlinked` for the index. */
  #unlink(id: number, unlinked: number[]): void {
    const frameIds = this.#videos.get(id);
    if (frameIds === undefined) return;
    this.#videos.delete(id);
    for (const frameId of frameIds) {
      const posting = this.#postings.get(frameId);
      if (posting === undefined) continue;
      const at = posting.videos.indexOf(id);
      if (at >= 0) posting.videos.splice(at, 1);
      if (posting.videos.length > 0) continue;
      this.#postings.delete(frameId);
      this.#frameIdOf.delete(posting.key);
      this.#freeFrameIds.push(frameId);
      unlinked.push(frameId);
    }
  }
}
