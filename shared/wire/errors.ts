import { CodedError } from '../errors.ts';

export type WireCode =
  | 'WIRE_MALFORMED'
  | 'WIRE_TOO_LARGE'
  | 'WIRE_TRAILING_BYTES'
  | 'WIRE_UNKNOWN_FIELD'
  | 'WIRE_MISSING_FIELD'
  | 'WIRE_BAD_FIELD'
  | 'WIRE_DUPLICATE_ID';

/** A feed object that does not have the shape the protocol defines. */
export class WireError extends CodedError<WireCode> {}
