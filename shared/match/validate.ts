/** Checks on caller input, done before anything changes (so a bad delta changes nothing). */
import { MatchError } from './errors.ts';
import type { HashBits } from './plan.ts';
import type { IndicatorHash, PackedHashes } from './types.ts';

export function maxThreshold(bits: HashBits): number {
  return bits === 256 ? 63 : 15;
}

export function checkThreshold(bits: HashBits, threshold: unknown): number {
  if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 0 || threshold > maxThreshold(bits)) {
    throw new MatchError('MATCH_BAD_THRESHOLD', `threshold must be an integer from 0 to ${maxThreshold(bits)} for ${bits}-bit hashes`);
  }
  return threshold;
}

export function checkId(id: unknown): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff) {
    throw new MatchError('MATCH_BAD_ID', 'indicator ids are unsigned 32-bit integers');
  }
  return id;
}

export function checkHash(bits: HashBits, hash: unknown): Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== bits / 8) {
    throw new MatchError('MATCH_BAD_HASH', `a ${bits}-bit hash is a Uint8Array of ${bits / 8} bytes`);
  }
  return hash;
}

function isPacked(adds: unknown): adds is PackedHashes {
  return typeof adds === 'object' && adds !== null && 'ids' in adds && adds.ids instanceof Uint32Array && 'hashes' in adds;
}

/** Additions as packed arrays (ids, hashes back to back), validated. */
export function packAdds(bits: HashBits, adds: Iterable<IndicatorHash> | PackedHashes | undefined): PackedHashes {
  const hashBytes = bits / 8;
  if (adds === undefined) return { ids: new Uint32Array(0), hashes: new Uint8Array(0) };
  if (isPacked(adds)) {
    if (!(adds.hashes instanceof Uint8Array) || adds.hashes.length !== adds.ids.length * hashBytes) {
      throw new MatchError('MATCH_BAD_HASH', `packed hashes must hold ${hashBytes} bytes per id`);
    }
    return adds;
  }
  const list = [...adds];
  const ids = new Uint32Array(list.length);
  const hashes = new Uint8Array(list.length * hashBytes);
  list.forEach((entry, i) => {
    ids[i] = checkId(entry.id);
    hashes.set(checkHash(bits, entry.hash), i * hashBytes);
  });
  return { ids, hashes };
}

export function packRemoves(removes: Iterable<number> | undefined): Uint32Array {
  if (removes === undefined) return new Uint32Array(0);
  if (removes instanceof Uint32Array) return removes;
  return Uint32Array.from([...removes].map(checkId));
}
