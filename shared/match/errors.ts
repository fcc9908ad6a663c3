import { CodedError } from '../errors.ts';

/**
 * Errors of the matching core. Codes are public API (the sidecar maps them to
 * HTTP bodies and logs) and are never renamed.
 */
export type MatchErrorCode =
  /** createHammingIndex or load options that cannot work (bits, budget, engine). */
  | 'MATCH_BAD_OPTIONS'
  /** A hash that is not a Uint8Array of bits / 8 bytes. */
  | 'MATCH_BAD_HASH'
  /** An indicator id that is not an unsigned 32-bit integer. */
  | 'MATCH_BAD_ID'
  /** A threshold outside 0..63 (256-bit) or 0..15 (64-bit), or not an integer. */
  | 'MATCH_BAD_THRESHOLD'
  /** searchMany called with no hashes or more than 32. */
  | 'MATCH_BAD_VARIANTS'
  /** A serialized index that is truncated, corrupt, of another version or another hash size. */
  | 'MATCH_BAD_FILE'
  /** engine: 'wasm' was required but the WebAssembly kernel could not be compiled or instantiated. */
  | 'MATCH_WASM_UNAVAILABLE'
  /** The index was closed. */
  | 'MATCH_CLOSED';

export class MatchError extends CodedError<MatchErrorCode> {}
