import { CodedError } from '../../shared/errors.ts';

/**
 * Why a witness refused an add-checkpoint request (c2sp.org/tlog-witness)
 * or could not start. Each request code has one HTTP status (STATUS_OF).
 */
export type WitnessCode =
  /** The body does not follow the request grammar, or old size > checkpoint size: 400. */
  | 'WITNESS_MALFORMED'
  /** The checkpoint's origin is not a configured log: 404. */
  | 'WITNESS_UNKNOWN_ORIGIN'
  /** No signature by a configured key for the origin verifies, or one of them fails: 403. */
  | 'WITNESS_BAD_SIGNATURE'
  /** The old size is not the size last cosigned: 409, body `<size>\n`, text/x.tlog.size. */
  | 'WITNESS_OLD_SIZE_MISMATCH'
  /** Same size as the one cosigned, another root: a fork, 409. */
  | 'WITNESS_CONFLICT'
  /** The consistency proof does not verify against the root last cosigned: 422. */
  | 'WITNESS_BAD_PROOF'
  | 'WITNESS_BODY_TOO_LARGE'
  | 'WITNESS_BODY_TIMEOUT'
  | 'WITNESS_NOT_FOUND'
  /** The command line or the data folder cannot run a witness. */
  | 'WITNESS_CONFIG_INVALID';

export class WitnessError extends CodedError<WitnessCode> {
  /** For WITNESS_OLD_SIZE_MISMATCH: the size the witness last cosigned for the origin. */
  readonly latestSize: number | undefined;

  constructor(code: WitnessCode, message: string, options?: { cause?: unknown; latestSize?: number }) {
    super(code, message, options);
    this.latestSize = options?.latestSize;
  }
}

export const STATUS_OF: Readonly<Record<WitnessCode, 400 | 403 | 404 | 408 | 409 | 413 | 422 | 500>> = {
  WITNESS_MALFORMED: 400,
  WITNESS_UNKNOWN_ORIGIN: 404,
  WITNESS_BAD_SIGNATURE: 403,
  WITNESS_OLD_SIZE_MISMATCH: 409,
  WITNESS_CONFLICT: 409,
  WITNESS_BAD_PROOF: 422,
  WITNESS_BODY_TOO_LARGE: 413,
  WITNESS_BODY_TIMEOUT: 408,
  WITNESS_NOT_FOUND: 404,
  WITNESS_CONFIG_INVALID: 500,
};
