import { getAlgorithm } from '../hashing/registry.ts';
import { formatVideoValue } from './frames.ts';

/**
 * The text form of any indicator's value, as the API, the console and
 * exports show it: the registry's hex, or for a video indicator its frame
 * hashes in hex joined by ':' (formatVideoValue).
 */
export function formatIndicatorHash(algorithm: string, hash: Uint8Array): string {
  return algorithm === 'vpdq' ? formatVideoValue(hash) : getAlgorithm(algorithm).format(hash);
}
