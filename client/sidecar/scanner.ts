import { hashImage } from '../../shared/hashing/hash-image.ts';
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
}

export interface ScanResult {
  readonly matches: readonly MatchItem[];
  /** PDQ quality of the content (null when no PDQ was computed or given). */
  readonly quality: number | null;
  /** PDQ below the quality floor: not matched perceptually, said so rather than silently missed. */
  readonly lowQuality: boolean;
}

/** The hashes a scan computes: PDQ with its 8 dihedral variants, pHash, and the two exact digests. */
export const SCAN_ALGORITHMS = ['pdq', 'phash64', 'md5', 'sha256'] as const;

/**
 * Hashing and matching, without policy: callers (the sidecar's routes) have
 * already decided that the scan is allowed. The content only passes through
 * memory: nothing here stores or logs it.
 */
export class Scanner {
  readonly #matcher: () => Matcher;
  readonly #replica: Replica;
  readonly #maxPixels: number;

  constructor(matcher: () => Matcher, replica: Replica, maxPixels: number) {
    this.#matcher = matcher;
    this.#replica = replica;
    this.#maxPixels = maxPixels;
  }

  /** Decodes and hashes image bytes, then matches. Throws ImageInputError for bad images. */
  async scanImage(bytes: Uint8Array): Promise<ScanResult> {
    const hashed = await hashImage(bytes, { algorithms: SCAN_ALGORITHMS, dihedral: true, maxPixels: this.#maxPixels });
    const queries: QueryHash[] = hashed.results.map((r) => ({ algorithm: r.algorithm, hash: r.hash, ...(r.dihedrals !== undefined ? { dihedrals: r.dihedrals } : {}) }));
    const quality = hashed.results.find((r) => r.algorithm === 'pdq')?.quality ?? null;
    return this.#match(queries, quality);
  }

  /**
   * Matches hashes a caller computed itself. Throws HashFormatError for a
   * malformed or unknown one. A PDQ with a quality below the floor is not
   * matched and makes the answer `lowQuality`.
   */
  matchHashes(hashes: readonly { algorithm: unknown; hash: unknown; quality?: unknown }[]): ScanResult {
    let quality: number | null = null;
    const queries = hashes.map((h): QueryHash => {
      if (!isAlgorithmName(h.algorithm)) throw new HashFormatError('HASH_UNKNOWN_ALGORITHM', `unknown algorithm ${quote(h.algorithm)}`);
      if (h.algorithm === 'pdq' && typeof h.quality === 'number') quality = h.quality;
      return { algorithm: h.algorithm, hash: getAlgorithm(h.algorithm).parse(h.hash) };
    });
    return this.#match(queries, quality);
  }

  #match(queries: readonly QueryHash[], quality: number | null): ScanResult {
    const floor = getAlgorithm('pdq').qualityFloor ?? 0;
    const lowQuality = quality !== null && quality < floor;
    const eligible = lowQuality ? queries.filter((q) => q.algorithm !== 'pdq') : queries;
    const matches = this.#matcher()
      .match(eligible)
      .map((m) => ({ ...m, category: this.#replica.category(m.indicatorId) ?? 'UNKNOWN' }));
    return { matches, quality, lowQuality };
  }
}
