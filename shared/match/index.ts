/**
 * The matching core: an exact Hamming range index over indicator hashes
 * (multi-index hashing with a WebAssembly hot loop and a plain-JS fallback).
 * See docs/MATCHING.md for the design and figures.
 */
export { createHammingIndex, loadHammingIndex } from './hamming-index.ts';
export { MatchError } from './errors.ts';
export type { MatchErrorCode } from './errors.ts';
export type { Engine } from './kernel.ts';
export type { HashBits } from './plan.ts';
export type {
  CompactOptions,
  DeltaResult,
  HammingIndex,
  HammingIndexOptions,
  IndexDelta,
  IndexStats,
  IndicatorHash,
  Match,
  PackedHashes,
  SearchTotals,
  SegmentStats,
  VariantMatch,
} from './types.ts';
