import { CodedError } from '../../shared/errors.ts';

export type StoreCode =
  | 'STORE_CONFLICT'
  | 'STORE_NOT_FOUND'
  | 'STORE_HISTORY_IMMUTABLE';

export class StoreError extends CodedError<StoreCode> {}

/**
 * Maps SQLite constraint failures to our codes (better-sqlite3 docs: map
 * SQLITE_CONSTRAINT_* to your own errors). Returns undefined for anything else.
 */
export function storeErrorFrom(err: unknown): StoreError | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err) || typeof err.code !== 'string') return undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (err.code === 'SQLITE_CONSTRAINT_TRIGGER' || message.includes('append-only')) {
    return new StoreError('STORE_HISTORY_IMMUTABLE', 'published history cannot be rewritten', { cause: err });
  }
  if (err.code.startsWith('SQLITE_CONSTRAINT')) return new StoreError('STORE_CONFLICT', 'the change conflicts with stored data', { cause: err });
  return undefined;
}
