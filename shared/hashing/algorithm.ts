import { CodedError } from '../errors.ts';

/** Stable names: they are storage keys and wire values, never renamed. */
export type AlgorithmName = 'pdq' | 'phash64' | 'dhash64' | 'md5' | 'sha256' | 'vpdq';

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
