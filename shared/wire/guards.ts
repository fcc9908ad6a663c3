import { isPlainRecord } from '../crypto/msgpack.ts';
import { WireError } from './errors.ts';
import { quote } from '../quote.ts';

/**
 * Small guards for decoded network data. Each takes `unknown` and either
 * returns a typed value or throws a WireError naming the offending field, so
 * that no `as` cast is ever applied to decoded data (STYLE convention 4).
 */

export type Fields = Readonly<Record<string, unknown>>;

/** Requires a plain object with exactly the given keys (unknown fields are refused). */
export function exactRecord(value: unknown, what: string, required: readonly string[], optional: readonly string[] = []): Fields {
  if (!isPlainRecord(value)) throw new WireError('WIRE_BAD_FIELD', `${what} must be a map`);
  for (const key of required) {
    if (!Object.hasOwn(value, key)) throw new WireError('WIRE_MISSING_FIELD', `${what} lacks field ${quote(key)}`);
  }
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) {
      throw new WireError('WIRE_UNKNOWN_FIELD', `${what} has unknown field ${quote(key)}`);
    }
  }
  return value;
}

export function uint(value: unknown, what: string, max = 0xffffffff): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new WireError('WIRE_BAD_FIELD', `${what} must be an integer from 0 to ${max}`);
  }
  return value;
}

/** Milliseconds since the Unix epoch. */
export function timestampMs(value: unknown, what: string): number {
  return uint(value, what, Number.MAX_SAFE_INTEGER);
}

export function str(value: unknown, what: string, maxLength: number, pattern?: RegExp): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || (pattern !== undefined && !pattern.test(value))) {
    throw new WireError('WIRE_BAD_FIELD', `${what} must be a non-empty string of at most ${maxLength} characters${pattern ? ` matching ${pattern}` : ''}`);
  }
  return value;
}

export function bytes(value: unknown, what: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array) || (length !== undefined && value.byteLength !== length)) {
    throw new WireError('WIRE_BAD_FIELD', `${what} must be binary${length !== undefined ? ` of ${length} bytes` : ''}`);
  }
  return value;
}

export function array(value: unknown, what: string, maxLength: number): readonly unknown[] {
  if (!Array.isArray(value) || value.length > maxLength) {
    throw new WireError('WIRE_BAD_FIELD', `${what} must be an array of at most ${maxLength} items`);
  }
  return value;
}

export function stringTable(value: unknown, what: string, pattern: RegExp): readonly string[] {
  const items = array(value, what, 255).map((item, i) => str(item, `${what}[${i}]`, 64, pattern));
  if (new Set(items).size !== items.length) throw new WireError('WIRE_BAD_FIELD', `${what} has repeated entries`);
  return items;
}

/** A present `stateDigestVersion` (docs/PROTOCOL.md 8.4): only 2, since version 1 is written as an absent field. */
export function stateDigestVersion(value: unknown, what: string): 2 {
  if (value !== 2) throw new WireError('WIRE_BAD_FIELD', `${what} must be 2 when present`);
  return value;
}
