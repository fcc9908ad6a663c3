import { CodedError } from '../../shared/errors.ts';

/** Codes are public API: never renamed once committed. */
export type AccuracyErrorCode = 'ACCURACY_BAD_FLAG' | 'ACCURACY_UNKNOWN_MATCHER';

/** A run that cannot start as asked: a bad flag value or an unknown matcher name. */
export class AccuracyError extends CodedError<AccuracyErrorCode> {}
