/**
 * The outside baseline: the npm package sharp-phash (a 64-bit DCT pHash by
 * another author), hashed and compared exactly as the package intends, so
 * the registry's hashes can be read against something nobody here wrote.
 */
import { createRequire } from 'node:module';
import { hamming } from './stats.ts';
import type { HashValue, Matcher } from './types.ts';

export const SHARP_PHASH = 'sharp-phash';

type Phash = (image: Buffer) => Promise<unknown>;

function isPhash(value: unknown): value is Phash {
  return typeof value === 'function';
}

// The package is CommonJS (module.exports = function) but its types declare
// an ES default export, which TypeScript's node16 resolution then refuses to
// call; loading it with require sidesteps the mismatch.
const loaded: unknown = createRequire(import.meta.url)('sharp-phash');
if (!isPhash(loaded)) throw new Error('sharp-phash did not export a function');
const phash: Phash = loaded;

/** Hashes bytes with sharp-phash; its 64-character '0'/'1' string becomes 8 bytes, first character most significant. */
export async function sharpPhash(bytes: Buffer): Promise<HashValue> {
  const bits = await phash(bytes);
  if (typeof bits !== 'string' || !/^[01]{64}$/.test(bits)) throw new Error('sharp-phash did not return 64 binary digits');
  const hash = new Uint8Array(8);
  for (let i = 0; i < 64; i++) if (bits.charCodeAt(i) === 49) hash[i >> 3] = (hash[i >> 3] ?? 0) | (0x80 >> (i & 7));
  return { hash };
}

export const sharpPhashMatcher: Matcher = {
  name: SHARP_PHASH,
  hasher: SHARP_PHASH,
  bits: 64,
  // The customary cut for 64-bit DCT hashes (hackerfactor's "Looks Like It", which sharp-phash cites): above 10 is a different picture.
  threshold: 10,
  origin: 'baseline',
  note: 'npm sharp-phash 2.2 (outside baseline); threshold 10 is the customary cut for 64-bit DCT hashes',
  distance: (a, b) => hamming(a.hash, b.hash),
};
