/**
 * One error base for the whole project (STYLE convention 3).
 *
 * Each domain declares a string-literal union of codes and a subclass that
 * fixes it; codes are public API (HTTP bodies, CLI JSON, logs) and are never
 * renamed once committed. Always pass `cause` when wrapping another error.
 */
export class CodedError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** The JSON body every HTTP error and CLI error line carries. */
  toJSON(): { code: C; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True when `err` is a CodedError carrying `code` (any domain). */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof CodedError && err.code === code;
}
