import { CodedError } from '../errors.ts';

/**
 * For table-driven error tests: the code a call fails with, or undefined
 * when it does not fail. Anything that is not a CodedError is rethrown: an
 * uncoded failure is a bug, not an answer.
 */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof CodedError) return err.code;
    throw err;
  }
  return undefined;
}

export async function codeOfAsync(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CodedError) return err.code;
    throw err;
  }
  return undefined;
}

/** The error a call throws; a call that does not throw fails the test. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception');
}
