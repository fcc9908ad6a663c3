import { setImmediate } from 'node:timers';

export interface GroupCommitDeps {
  /** Runs `fn` in one write transaction (Centre.write: immediate, errors mapped); its commit is the one fsync the batch pays. */
  readonly transaction: <T>(fn: () => T) => T;
  /** Runs `fn` in a savepoint inside it (a nested better-sqlite3 transaction), so that one write's failure rolls back only that write. */
  readonly savepoint: <T>(fn: () => T) => T;
  /** Writes in one transaction at most (default 256): bounds how long one commit holds the event loop. */
  readonly maxBatch?: number;
}

interface Pending {
  readonly fn: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * Group commit: writes queued in the same turn of the event loop share one
 * transaction, each in its own savepoint, and each caller is answered
 * after the commit, with its own result or error. With synchronous=FULL
 * every commit waits for the disk (fsync of the WAL); under many
 * concurrent callers (reports at hundreds a second) that wait, paid once
 * per write, was most of the Centre's time per report. A lone write is
 * committed on the next turn, as before but one turn later.
 */
export class GroupCommit {
  readonly #deps: GroupCommitDeps;
  readonly #maxBatch: number;
  #pending: Pending[] = [];
  #scheduled = false;

  constructor(deps: GroupCommitDeps) {
    this.#deps = deps;
    this.#maxBatch = Math.max(1, Math.floor(deps.maxBatch ?? 256));
  }

  /** Runs `fn` (synchronous, as every better-sqlite3 transaction) in the next group's transaction; resolves once committed. */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ fn, resolve: (value) => resolve(value as T), reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#pending.length > 0) this.#commit(this.#pending.splice(0, this.#maxBatch));
  }

  #commit(batch: readonly Pending[]): void {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.#deps.transaction(() => {
        outcomes.length = 0;
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: this.#deps.savepoint(item.fn) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // Nothing of the batch was committed: every caller hears why.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok === true) item.resolve(outcome.value);
      else item.reject(outcome === undefined ? new Error('no outcome recorded') : outcome.error);
    });
  }
}
