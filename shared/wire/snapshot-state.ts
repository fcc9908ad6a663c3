import type { IndicatorEntry } from './indicator-group.ts';
import type { Snapshot } from './snapshot.ts';
import { computeStateDigestV1Sliced, digestOfAccumulator, StateAccumulator } from './state-digest.ts';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

/**
 * Checks a verified snapshot's state digest against its entries (in id
 * order) and returns the accumulator a replica starts from, or undefined
 * when they disagree (docs/PROTOCOL.md 8.4). Every O(N) pass yields to the
 * event loop between slices.
 *
 * - A snapshot carrying `stateAccumulator`: the carried accumulator must
 *   hash to `stateDigest`, the entries must hash to `entriesDigest`, and the
 *   accumulator recomputed from the entries must equal the carried one. The
 *   last check costs one LtHash expansion per entry, and it is what keeps a
 *   replica from holding other rows than the accumulator it checks deltas
 *   against: a carried accumulator that is the Centre's true one, beside
 *   entries that are not (a Centre fault, or rows edited outside its
 *   publisher), would otherwise pass every later delta and never be noticed.
 * - Version 2 without it (published before the field): LtHash recomputed.
 * - Version 1: SHA-256 over the entries; the accumulator is computed too,
 *   since the deltas that follow may carry version 2 digests.
 */
export async function snapshotAccumulator(snapshot: Snapshot, entriesInIdOrder: readonly IndicatorEntry[]): Promise<StateAccumulator | undefined> {
  const accumulator = await StateAccumulator.ofChange({ added: entriesInIdOrder, removed: [] });
  if (snapshot.stateAccumulator !== undefined && snapshot.entriesDigest !== undefined) {
    if (!sameBytes(digestOfAccumulator(snapshot.stateAccumulator), snapshot.stateDigest)) return undefined;
    if (!sameBytes(await computeStateDigestV1Sliced(entriesInIdOrder), snapshot.entriesDigest)) return undefined;
    return sameBytes(accumulator.toBytes(), snapshot.stateAccumulator) ? accumulator : undefined;
  }
  const digest = (snapshot.stateDigestVersion ?? 1) === 1 ? await computeStateDigestV1Sliced(entriesInIdOrder) : accumulator.digest();
  return sameBytes(digest, snapshot.stateDigest) ? accumulator : undefined;
}
