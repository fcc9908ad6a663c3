/**
 * Hash values as canonical bytes: hex parsing with coded errors, formatting,
 * and Hamming distance. A hash's bytes are its hex string read as a
 * big-endian number, most significant byte first (see algorithm.ts).
 */
import { HashFormatError } from './algorithm.ts';

const HEX_DIGITS = '0123456789abcdef';

/** Parses exactly `bits / 4` hex digits (either case) into `bits / 8` bytes. */
export function parseHex(value: unknown, bits: number, what = 'hash'): Uint8Array {
  if (typeof value !== 'string') {
    throw new HashFormatError('HASH_NOT_STRING', `${what} must be a hex string, got ${typeof value}`);
  }
  const digits = bits / 4;
  if (value.length !== digits) {
    throw new HashFormatError('HASH_BAD_LENGTH', `${what} must have ${digits} hex digits, got ${value.length}`);
  }
  const out = new Uint8Array(bits / 8);
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(value.charCodeAt(2 * i));
    const lo = hexValue(value.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      const at = hi < 0 ? 2 * i : 2 * i + 1;
      throw new HashFormatError('HASH_BAD_HEX', `${what} has a non-hex character at position ${at}`);
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return -1;
}

/** Lower-case hex, two digits per byte. */
export function formatHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += (HEX_DIGITS[byte >> 4] ?? '') + (HEX_DIGITS[byte & 15] ?? '');
  return out;
}

const POPCOUNT8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT8[i] = (i & 1) + (POPCOUNT8[i >> 1] ?? 0);

/** Number of differing bits between two equal-length byte strings. */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) {
    throw new HashFormatError('HASH_BAD_LENGTH', `cannot compare hashes of ${a.length} and ${b.length} bytes`);
  }
  let distance = 0;
  for (let i = 0; i < a.length; i++) distance += POPCOUNT8[(a[i] ?? 0) ^ (b[i] ?? 0)] ?? 0;
  return distance;
}
