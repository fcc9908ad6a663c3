import { CodedError } from '../errors.ts';

/** Stable names: they are storage keys and wire values, never renamed. */
export type AlgorithmName = 'pdq' | 'phash64' | 'dhash64' | 'md5' | 'sha256' | 'vpdq';

/**
 * Stable names of video algorithms. A video's value is a list of frame
 * hashes; the AlgorithmName of the same name describes one frame (its
 * `bits`, `parse`, `distance`), which is how the feed carries and compares
 * them (docs/PROTOCOL.md 8.1).
 */
export type VideoAlgorithmName = 'vpdq';

export type HashFormatCode = 'HASH_UNKNOWN_ALGORITHM' | 'HASH_NOT_STRING' | 'HASH_BAD_LENGTH' | 'HASH_BAD_HEX';

export class HashFormatError extends CodedError<HashFormatCode> {}

/**
 * A hash algorithm as a value in the registry (STYLE convention 7).
 *
 * A hash value is its canonical bytes: the hex string read as a big-endian
 * number, most significant byte first (`bits / 8` bytes). Distance is the
 * Hamming distance for perceptual hashes; exact hashes compare equal (0) or
 * not (`bits`).
 */
export interface HashAlgorithm {
  readonly name: AlgorithmName;
  readonly bits: number;
  readonly kind: 'perceptual' | 'exact';
  /** Default match threshold: distance <= threshold matches. 0 for exact hashes. */
  readonly defaultThreshold: number;
  /** Hashes with quality below this are not matched (PDQ: 50); undefined where there is no quality. */
  readonly qualityFloor?: number;
  /** Parses lower- or upper-case hex of exactly bits/4 digits; throws HashFormatError. */
  parse(hex: unknown): Uint8Array;
  /** Lower-case hex, bits/4 digits. */
  format(bytes: Uint8Array): string;
  distance(a: Uint8Array, b: Uint8Array): number;
  /** Valid example values that drive generated tests. */
  readonly examples: readonly string[];
}

/**
 * A video algorithm as a registry value: a video's hash is a variable-length
 * list of frame hashes of `frame`, each with a quality, and two videos match
 * by the share of frames that agree (shared/video-match/rule.ts).
 * Fixed-size paths iterate ALGORITHMS and never see these.
 */
export interface VideoHashAlgorithm {
  readonly name: VideoAlgorithmName;
  readonly kind: 'video';
  /** The per-frame hash: its parse, format and distance (Hamming) apply to each frame. */
  readonly frame: HashAlgorithm;
  /** Two frames match when their distance is <= this. */
  readonly defaultFrameThreshold: number;
  /** Frames with quality below this are dropped before matching. */
  readonly qualityFloor: number;
  /** Pc: share (0 to 1) of the candidate's (indicator's) unique frames that must be matched. */
  readonly defaultCandidateShare: number;
  /** Pq: share (0 to 1) of the query's (scanned video's) unique frames that must be matched. */
  readonly defaultQueryShare: number;
  /** Seconds of video between hashed frames when hashing (0: every frame). */
  readonly defaultSecondsPerHash: number;
}
