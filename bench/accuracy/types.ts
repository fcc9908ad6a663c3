/**
 * The accuracy benchmark's data: what is compared (matchers), what it is
 * compared on (originals and transform cases), and the results written to
 * accuracy.json. Everything here is plain data so the JSON is the report's
 * full record: anyone can recompute a rate at another threshold from it.
 */
import type { Rate } from './stats.ts';

/** One image hashed by one hasher. */
export interface HashValue {
  readonly hash: Uint8Array;
  /** PDQ's 0..100 quality; absent for hashes without one. */
  readonly quality?: number;
  /** The hashes of the image's eight rotations and reflections, where the hasher computes them. */
  readonly dihedrals?: readonly Uint8Array[];
  /** The hash of the picture inside a frame, where the hasher found one (hashImage's `unframe`). */
  readonly unframed?: { readonly hash: Uint8Array; readonly quality?: number };
  /** PDQ of the image cropped by the fixed fractions of CROP_GRID (hashImage's `crops`): the variants an indicator record would carry. */
  readonly crops?: readonly { readonly hash: Uint8Array; readonly quality: number }[];
}

/** A comparison rule: a hasher's values, a distance, a threshold. One column of the report. */
export interface Matcher {
  /** Report name: the registry name, with `+dihedral` for dihedral matching, `+unframe` for the query's unframed picture too, `+crops` for the original's crop variants too. */
  readonly name: string;
  /** Which hasher's values it compares. */
  readonly hasher: string;
  readonly bits: number;
  /** distance <= threshold is a match. */
  readonly threshold: number;
  /** Hashes of lower quality are neither indicators nor queries (PDQ: 50). */
  readonly qualityFloor?: number;
  readonly origin: 'registry' | 'baseline';
  readonly note: string;
  /** Distance from an indicator (the original) to a query (a re-upload). */
  distance(indicator: HashValue, query: HashValue): number;
}

/** The hashers and matchers under test, and one call that hashes an image with every hasher. */
export interface Contenders {
  readonly matchers: readonly Matcher[];
  /** `role` 'query' for a re-upload: what only an indicator carries (crop variants) is then not computed. */
  hashAll(bytes: Buffer, role?: 'original' | 'query'): Promise<ReadonlyMap<string, HashValue>>;
}

export interface OriginalInfo {
  readonly id: string;
  /** Image family (synthetic), or the sub-folder a researcher's image sits in. */
  readonly family: string;
  readonly width: number;
  readonly height: number;
  readonly format: string;
}

/** Where the originals come from: the synthetic corpus or a researcher's folder. */
export interface OriginalSource {
  readonly kind: 'synthetic' | 'folder';
  readonly description: string;
  readonly count: number;
  load(index: number): Promise<{ info: OriginalInfo; bytes: Buffer }>;
}

/** One transform at one strength, applied to every transformed original. */
export interface CaseSpec {
  readonly transform: string;
  readonly family: string;
  readonly strength: number;
  readonly label: string;
  readonly categorical: boolean;
}

export interface CaseMatcherResult {
  /** Originals whose own hash passes the quality floor (the possible indicators). */
  readonly eligible: number;
  /** Of those, re-uploads that matched: distance <= threshold and quality at or above the floor. */
  readonly matched: number;
  /** Of those, re-uploads whose quality fell below the floor (never matched). */
  readonly belowFloor: number;
  readonly tpr: Rate;
  /**
   * Per transformed original, in corpus order: the distance, or null where
   * the original is not eligible, the re-upload failed, or its quality fell
   * below the floor (so no threshold can make it match).
   */
  readonly distances: readonly (number | null)[];
}

export interface CaseResult extends CaseSpec {
  /** Re-uploads that could not be made or hashed (counted as misses). */
  readonly failed: number;
  readonly errors: readonly string[];
  readonly results: Readonly<Record<string, CaseMatcherResult>>;
}

export interface FalsePositiveResult {
  /** Pairs of distinct eligible originals. */
  readonly pairs: number;
  readonly falsePositives: number;
  readonly fpr: Rate;
  /** Counts of pair distances 0..bits. */
  readonly histogram: readonly number[];
  /** The closest distinct pairs, for inspection. */
  readonly closest: readonly { readonly a: string; readonly b: string; readonly distance: number }[];
}

export interface MatcherSummary {
  readonly name: string;
  readonly hasher: string;
  readonly bits: number;
  readonly threshold: number;
  readonly qualityFloor: number | null;
  readonly origin: 'registry' | 'baseline';
  readonly note: string;
}

export interface AccuracyResult {
  readonly meta: {
    readonly generatedAt: string;
    readonly seconds: number;
    readonly machine: { readonly cpus: number; readonly node: string; readonly sharp: string; readonly platform: string };
    readonly source: { readonly kind: 'synthetic' | 'folder'; readonly description: string };
    readonly seed: number;
    readonly originals: number;
    readonly transformed: number;
    readonly options: Readonly<Record<string, unknown>>;
  };
  readonly matchers: readonly MatcherSummary[];
  readonly originals: readonly (OriginalInfo & { readonly quality: Readonly<Record<string, number>> })[];
  readonly falsePositives: Readonly<Record<string, FalsePositiveResult>>;
  readonly cases: readonly CaseResult[];
}
