import { hammingBytes } from '../popcount.ts';
import type { Match } from '../types.ts';

/** Every live row within `threshold` of `query`, by distance then id (the reference the index is tested against). */
export function bruteForce(entries: ReadonlyMap<number, Uint8Array>, query: Uint8Array, threshold: number): Match[] {
  const out: Match[] = [];
  for (const [id, hash] of entries) {
    const distance = hammingBytes(query, hash);
    if (distance <= threshold) out.push({ id, distance });
  }
  return out.sort((a, b) => a.distance - b.distance || a.id - b.id);
}
