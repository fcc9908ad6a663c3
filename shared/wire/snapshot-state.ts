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
 * - A snapshot carrying `stateAccumulator`: one SHA-256 pass over the
 *   entries against `entriesDigest`, and the carried accumulator must hash
 *   to `stateDigest`; it is then taken as is, with no LtHash expansion per
 *   entry. The signature binds entries and accumulator together; one that
 *   disagrees with its entries can only come from the Centre, and fails the
 *   next delta's digest.
 * - Version 2 without it (published before the field): LtHash recomputed.
 * - Version 1: SHA-256 over the entries; the accumulator is computed too,
 *   since the deltas that follow may carry version 2 digests.
 */
export async function snapshotAccumulator(snapshot: Snapshot, entriesInIdOrder: readonly IndicatorEntry[]): Promise<StateAccumulator | undefined> {
  if (snapshot.stateAccumulator !== undefined && snapshot.entriesDigest !== undefined) {
    if (!sameBytes(digestOfAccumulator(snapshot.stateAccumulator), snapshot.stateDigest)) return undefined;
    if (!sameBytes(await computeStateDigestV1Sliced(entriesInIdOrder), snapshot.entriesDigest)) return undefined;
    return StateAccumulator.fromBytes(snapshot.stateAccumulator);
  }
  const accumulator = await StateAccumulator.ofChange({ added: entriesInIdOrder, removed: [] });
  const digest = (snapshot.stateDigestVersion ?? 1) === 1 ? await computeStateDigestV1Sliced(entriesInIdOrder) : accumulator.digest();
  return sameBytes(digest, snapshot.stateDigest) ? accumulator : undefined;
}
