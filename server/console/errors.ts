import { CodedError } from '../../shared/errors.ts';

/**
 * Refusals of the console (docs/CONSOLE.md, "Errors"): each rendered as a
 * page carrying its code and a sentence, never a token or form content.
 */
export type ConsoleCode =
  | 'CONSOLE_SIGN_IN_REFUSED'
  | 'CONSOLE_ROLE_REFUSED'
  | 'CONSOLE_CSRF_INVALID'
  | 'CONSOLE_FORBIDDEN'
  | 'CONSOLE_FORM_INVALID'
  | 'CONSOLE_NOT_FOUND'
  | 'CONSOLE_RATE_LIMITED';

export class ConsoleError extends CodedError<ConsoleCode> {}

export const CONSOLE_STATUS: Readonly<Record<ConsoleCode, 400 | 401 | 403 | 404 | 429>> = {
  CONSOLE_SIGN_IN_REFUSED: 401,
  CONSOLE_ROLE_REFUSED: 403,
  CONSOLE_CSRF_INVALID: 403,
  CONSOLE_FORBIDDEN: 403,
  CONSOLE_FORM_INVALID: 400,
  CONSOLE_NOT_FOUND: 404,
  CONSOLE_RATE_LIMITED: 429,
};
