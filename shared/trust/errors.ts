import { CodedError } from '../errors.ts';

/**
 * The root of trust (docs/PROTOCOL.md section 4): root documents, the chain
 * from the pinned root, and the keys they delegate per purpose.
 */
export type TrustCode =
  /** A root document that does not have the shape section 4.1 fixes. */
  | 'ROOT_MALFORMED'
  /** No root document is signed by the pinned root keys' threshold (4.3 step 1). */
  | 'ROOT_NOT_ANCHORED'
  /** A root not signed by a threshold of its predecessor's root keys, or of its own (4.3 steps 2 and 3). */
  | 'ROOT_THRESHOLD_NOT_MET'
  /** A root whose version is not exactly its predecessor's plus one (4.3 step 4). */
  | 'ROOT_VERSION_NOT_NEXT'
  /** A root for another feed (4.3 step 4). */
  | 'ROOT_WRONG_FEED'
  /** A root that drops or delays a revocation its predecessor made (4.3 step 5). */
  | 'ROOT_REVOCATION_DROPPED'
  /** More root versions than a client walks in one update (4.3). */
  | 'ROOT_TOO_MANY_ROTATIONS'
  /** A signature by no key the trusted root lists (4.4). */
  | 'SIGNER_NOT_LISTED'
  /** A key listed for another purpose than the object needs (4.4). */
  | 'SIGNER_WRONG_PURPOSE'
  | 'SIGNER_NOT_YET_VALID'
  | 'SIGNER_EXPIRED'
  /** A key revoked at or before the time the object is judged at (4.4, 4.6). */
  | 'SIGNER_REVOKED';

export class TrustError extends CodedError<TrustCode> {}
