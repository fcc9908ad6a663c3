import type { ImageViews, ImageViewsOptions } from '../../shared/hashing/image-views.ts';
import { getAlgorithm, isAlgorithmName } from '../../shared/hashing/registry.ts';
import { HashFormatError } from '../../shared/hashing/algorithm.ts';
import type { Matcher, QueryHash } from '../match/matcher.ts';
import type { Replica } from '../replica/replica.ts';
import { quote } from '../../shared/quote.ts';

export interface MatchItem {
  readonly indicatorId: number;
  readonly algorithm: string;
  readonly distance: number;
  readonly category: string;
  readonly variant: string;
  /** What was hashed: `file` (the bytes, MD5 and SHA-256), a view of the picture (`original`, `unframed`, `white`, `frame:2`, ...: image-views.ts), or `video` (its vPDQ frame list). */
  readonly view: string;
  /** vpdq: the share (0..1) of the indicator's unique frames found in the video (Pc's side). */
  readonly matchedShare?: number;
  /** vpdq: the share (0..1) of the video's unique usable frames found in the indicator (Pq's side). */
  readonly queryShare?: number;
  /** vpdq: the earliest timestamps (seconds) of the video's frames that matched the indicator. */
  readonly timestamps?: readonly number[];
}

export interface ScanResult {
  readonly matches: readonly MatchItem[];
  /** The best PDQ quality of the content's views (null when no PDQ was computed or given). */
  readonly quality: number | null;
  /** Every PDQ below the quality floor: not matched perceptually, said so rather than silently missed. */
  readonly lowQuality: boolean;
  /** Truncated or broken data, decoded as far as it went. */
  readonly partial: boolean;
  /** Animated content: frames hashed of the frames in the file (absent for a still image). */
  readonly frames?: { readonly hashed: number; readonly total: number };
  /** Why no perceptual hash was computed; the exact hashes were still matched. */
  readonly perceptualSkipped?: { readonly code: string; readonly message: string };
  /** A video: its duration and the frames hashed (vPDQ). */
  readonly video?: { readonly durationSec: number; readonly framesHashed: number; readonly secondsPerHash: number };
  /** For the report only, never in the answer: a preview made already (a video's, of a matching frame's pixels). */
  readonly reportPreview?: string | null;
}

/**
 * What a scan computes of each view: PDQ with its 8 dihedral variants and
 * pHash; and MD5 and SHA-256 of the bytes. Of these, only PDQ and those the
 * feed holds indicators of (Matcher.holds).
 */
export const SCAN_PERCEPTUAL_ALGORITHMS = ['pdq', 'phash64'] as const;
export const SCAN_EXACT_ALGORITHMS = ['md5', 'sha256'] as const;

/** A query and the view it was computed from; queries of an algorithm with a quality floor carry their quality. */
interface ViewQuery {
  readonly view: string;
  readonly query: QueryHash;
  readonly quality?: number;
}

/**
 * Hashing and matching, without policy: callers (the sidecar's routes) have
 * already decided that the scan is allowed. The content only passes through
 * memory: nothing here stores or logs it.
 */
export class Scanner {
  readonly #matcher: () => Matcher;
  readonly #replica: Replica;
  readonly #maxPixels: number;
  readonly #maxFrames: number;
  readonly #hashViews: (bytes: Uint8Array, options: ImageViewsOptions) => Promise<ImageViews>;

  /** `hashViews`: hashImageViews, on this thread or in a worker thread (scan-workers.ts). */
  constructor(matcher: () => Matcher, replica: Replica, maxPixels: number, maxFrames: number, hashViews: (bytes: Uint8Array, options: ImageViewsOptions) => Promise<ImageViews>) {
    this.#matcher = matcher;
    this.#replica = replica;
    this.#maxPixels = maxPixels;
    this.#maxFrames = maxFrames;
    this.#hashViews = hashViews;
  }

  /**
   * Hashes every view of the bytes (image-views.ts), then matches. Never
   * fails for bad image data: the exact hashes of the bytes are matched
   * whatever they are, and the answer says why no perceptual hash was
   * computed.
   */
  async scanImage(bytes: Uint8Array): Promise<ScanResult> {
    // Only what the feed can match, PDQ always (its quality is part of every answer).
    const matcher = this.#matcher();
    const algorithms = SCAN_PERCEPTUAL_ALGORITHMS.filter((a) => a === 'pdq' || matcher.holds(a));
    const exact = SCAN_EXACT_ALGORITHMS.filter((a) => matcher.holds(a));
    // `unframe`: the picture inside a frame or band added around it is a further view (docs/SIDECAR.md).
    const hashed = await this.#hashViews(bytes, { algorithms, exact, dihedral: true, unframe: true, maxPixels: this.#maxPixels, maxFrames: this.#maxFrames });
    const result = this.#match(queriesOf(hashed));
    return {
      ...result,
      partial: hashed.partial,
      ...(hashed.frames.total > 1 ? { frames: hashed.frames } : {}),
      ...(hashed.skipped !== undefined ? { perceptualSkipped: hashed.skipped } : {}),
    };
  }

  /**
   * Matches hashes a caller computed itself. Throws HashFormatError for a
   * malformed or unknown one. A PDQ with a quality below the floor is not
   * matched and makes the answer `lowQuality`.
   */
  matchHashes(hashes: readonly { algorithm: unknown; hash: unknown; quality?: unknown }[]): ScanResult {
    const queries = hashes.map((h): ViewQuery => {
      if (!isAlgorithmName(h.algorithm)) throw new HashFormatError('HASH_UNKNOWN_ALGORITHM', `unknown algorithm ${quote(h.algorithm)}`);
      const query = { algorithm: h.algorithm, hash: getAlgorithm(h.algorithm).parse(h.hash) };
      const view = getAlgorithm(h.algorithm).kind === 'exact' ? 'file' : 'original';
      return getAlgorithm(h.algorithm).qualityFloor !== undefined && typeof h.quality === 'number' ? { view, query, quality: h.quality } : { view, query };
    });
    return { ...this.#match(queries), partial: false };
  }

  /**
   * Matches each view's queries; a query below its algorithm's quality floor
   * (PDQ, dHash64) is left out. An indicator matched by several views is
   * listed once, with its smallest distance (the first view on a tie).
   */
  #match(queries: readonly ViewQuery[]): Pick<ScanResult, 'matches' | 'quality' | 'lowQuality'> {
    const pdqFloor = getAlgorithm('pdq').qualityFloor ?? 0;
    const qualities = queries.flatMap((q) => (q.query.algorithm === 'pdq' && q.quality !== undefined ? [q.quality] : []));
    const quality = qualities.length > 0 ? Math.max(...qualities) : null;
    const best = new Map<string, MatchItem>();
    for (const { view, query, quality: viewQuality } of queries) {
      if (viewQuality !== undefined && viewQuality < (getAlgorithm(query.algorithm).qualityFloor ?? 0)) continue;
      for (const m of this.#matcher().match([query])) {
        const key = `${m.indicatorId}/${m.algorithm}`;
        const known = best.get(key);
        if (known !== undefined && known.distance <= m.distance) continue;
        best.set(key, { ...m, view, category: this.#replica.category(m.indicatorId) ?? 'UNKNOWN' });
      }
    }
    return { matches: [...best.values()], quality, lowQuality: quality !== null && quality < pdqFloor };
  }
}

/** The views' perceptual queries (PDQ with its dihedral variants and quality) and the exact hashes of the file. */
function queriesOf(hashed: ImageViews): ViewQuery[] {
  const queries: ViewQuery[] = [];
  for (const { view, results } of hashed.views) {
    for (const r of results) {
      const query: QueryHash = { algorithm: r.algorithm, hash: r.hash, ...(r.dihedrals !== undefined ? { dihedrals: r.dihedrals } : {}) };
      queries.push(r.quality !== undefined ? { view, query, quality: r.quality } : { view, query });
    }
  }
  for (const r of hashed.exact) queries.push({ view: 'file', query: { algorithm: r.algorithm, hash: r.hash } });
  return queries;
}
