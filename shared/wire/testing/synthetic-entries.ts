import { randomBytes } from 'node:crypto';
import type { IndicatorEntry } from '../indicator-group.ts';

/**
 * Synthetic indicator entries for benchmarks: entry `id` is a PDQ-sized hash
 * that differs per id (the id written over a random pattern), so sets of
 * millions are made without an allocation per entry. `synthetic` reuses one
 * hash buffer across the entries it yields: copy one to keep it.
 */
export function syntheticEntrySource(pattern: Uint8Array = randomBytes(32)): {
  entryAt(id: number, hash?: Buffer): IndicatorEntry;
  synthetic(count: number, shared?: Buffer): Generator<IndicatorEntry>;
} {
  const entryAt = (id: number, hash = Buffer.from(pattern)): IndicatorEntry => {
    hash.writeUInt32BE(id, 0);
    return { id, algorithm: 'pdq', hash, category: id % 3 === 0 ? 'B1' : 'A1' };
  };
  function* synthetic(count: number, shared = Buffer.from(pattern)): Generator<IndicatorEntry> {
    for (let id = 1; id <= count; id++) yield entryAt(id, shared);
  }
  return { entryAt, synthetic };
}
