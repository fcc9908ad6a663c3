import { bytesEqual } from '../../shared/crypto/index.ts';
import type { Delta } from '../../shared/wire/delta.ts';
import { groupEntries, type IndicatorEntry, type IndicatorGroup } from '../../shared/wire/indicator-group.ts';
import type { Snapshot } from '../../shared/wire/snapshot.ts';
import { computeStateDigestV1, StateAccumulator } from '../../shared/wire/state-digest.ts';

/** What one delta did, for the statistics: entries added and removed (with the reason code of each removal). */
export interface AppliedChange {
  readonly added: readonly IndicatorEntry[];
  readonly removed: readonly { readonly entry: IndicatorEntry; readonly reason: string }[];
}

/**
 * The active set, replayed in memory from version 1: each entry by id and
 * the LtHash accumulator kept incrementally, so a version 2 digest costs
 * only the change; a version 1 digest is recomputed over the whole set.
 */
export class ReplayedState {
  readonly #entries = new Map<number, IndicatorEntry>();
  readonly #accumulator = StateAccumulator.empty();

  get size(): number {
    return this.#entries.size;
  }

  /** Applies a delta; a problem (an id added twice, a removal of an absent id) is returned, not thrown. */
  apply(delta: Delta): { change: AppliedChange; problem: string | undefined } {
    const removed: { entry: IndicatorEntry; reason: string }[] = [];
    const added: IndicatorEntry[] = [];
    let problem: string | undefined;
    delta.removes.ids.forEach((id, i) => {
      const entry = this.#entries.get(id);
      if (entry === undefined) {
        problem ??= `it removes indicator ${id}, which is not in the set`;
        return;
      }
      this.#entries.delete(id);
      this.#accumulator.remove(entry);
      removed.push({ entry, reason: delta.reasonCodes[delta.removes.reasons[i] ?? 0] ?? '?' });
    });
    for (const entry of entriesOf(delta.adds, delta.categories)) {
      if (this.#entries.has(entry.id)) {
        problem ??= `it adds indicator ${entry.id}, which is already in the set`;
        continue;
      }
      this.#entries.set(entry.id, entry);
      this.#accumulator.add(entry);
      added.push(entry);
    }
    return { change: { added, removed }, problem };
  }

  digest(version: 1 | 2): Uint8Array {
    if (version === 2) return this.#accumulator.digest();
    const ids = [...this.#entries.keys()].sort((a, b) => a - b);
    return computeStateDigestV1(ids.map((id) => this.#entries.get(id)).filter((e) => e !== undefined));
  }

  /** Undefined when the snapshot holds exactly the replayed set, else the first difference. */
  differenceFrom(snapshot: Snapshot): string | undefined {
    let count = 0;
    for (const entry of entriesOf(snapshot.groups, snapshot.categories)) {
      count++;
      const held = this.#entries.get(entry.id);
      if (held === undefined) return `indicator ${entry.id} is in the snapshot, not in the replayed set`;
      if (held.algorithm !== entry.algorithm || held.category !== entry.category || !bytesEqual(held.hash, entry.hash)) return `indicator ${entry.id} differs`;
    }
    return count === this.#entries.size ? undefined : `the snapshot holds ${count} indicators, the replayed set ${this.#entries.size}`;
  }
}

function* entriesOf(groups: readonly IndicatorGroup[], categories: readonly string[]): Generator<IndicatorEntry> {
  for (const group of groups) yield* groupEntries(group, categories);
}
