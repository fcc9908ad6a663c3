/**
 * Deterministic synthetic hash sets for the property tests and the
 * benchmark: uniform random hashes, and families of near-duplicates (a centre
 * plus members a few bits away, with heavy-tailed family sizes), which is how
 * real PDQ lists look: one image re-encoded, resized or cropped many times.
 */

/** xorshift32: fast, seedable, good enough for test data (never for anything secret). */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

export function uniformHashes(count: number, bytes: number, next: () => number): Uint8Array {
  const out = new Uint8Array(count * bytes);
  const words = new Uint32Array(out.buffer, 0, out.length >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = next();
  return out;
}

/** Flips `flips` distinct random bits of `hash` in place. */
export function flipBits(hash: Uint8Array, flips: number, next: () => number): Uint8Array {
  const bits = hash.length * 8;
  const chosen = new Set<number>();
  while (chosen.size < Math.min(flips, bits)) chosen.add(next() % bits);
  for (const bit of chosen) hash[bit >>> 3] = (hash[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
  return hash;
}

export interface ClusterShape {
  /** Largest family (default 512); sizes follow P(size >= s) ~ 2 / s. */
  readonly maxFamily?: number;
  /** Members differ from their family centre in 0..spread bits (default 24). */
  readonly spread?: number;
}

export function clusteredHashes(count: number, bytes: number, next: () => number, shape: ClusterShape = {}): Uint8Array {
  const { maxFamily = 512, spread = 24 } = shape;
  const out = new Uint8Array(count * bytes);
  let at = 0;
  while (at < count) {
    const centre = uniformHashes(1, bytes, next);
    const size = Math.min(maxFamily, count - at, Math.max(1, Math.floor(2 / ((next() + 1) / 2 ** 32))));
    for (let i = 0; i < size; i++, at++) {
      const member = centre.slice();
      flipBits(member, next() % (spread + 1), next);
      out.set(member, at * bytes);
    }
  }
  return out;
}
