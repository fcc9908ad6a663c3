import type { Db } from './database.ts';

/** The trusted root as persisted: the envelope as its root key holders signed it, and the pin it was anchored from. */
export interface PersistedRoot {
  readonly envelope: Uint8Array;
  readonly version: number;
  /** The pin's canonical text (TrustedStore's `pinText`): a different one means the operator changed the pin. */
  readonly pin: string;
}

/** The feed keys (verifier key strings) that signed an object the replica writes, and its createdAt (PROTOCOL 4.7). */
export interface SignedBy {
  readonly keys: readonly string[];
  readonly createdAt: number;
}

type RootRow = { root_envelope: Buffer | null; root_version: number | null; root_pin: string | null; snapshot_required: string | null };

/**
 * The replica's record of the root of trust and of what each feed key
 * signed (migration 5). Only the trusted store writes it; it decides, this
 * keeps. Beside the replica's rows, in the same database.
 */
export class TrustRecord {
  readonly #db: Db;
  readonly #statements;

  constructor(db: Db) {
    this.#db = db;
    this.#statements = {
      root: db.prepare<[], RootRow>('SELECT root_envelope, root_version, root_pin, snapshot_required FROM trusted_state WHERE id = 1'),
      setRoot: db.prepare('UPDATE trusted_state SET root_envelope = ?, root_version = ?, root_pin = ? WHERE id = 1'),
      dropTimestamp: db.prepare('UPDATE trusted_state SET timestamp_version = NULL, timestamp_issued_at = NULL, timestamp_expires = NULL WHERE id = 1'),
      dropHead: db.prepare('UPDATE trusted_state SET checkpoint_size = NULL, checkpoint_root = NULL, checkpoint_note = NULL WHERE id = 1'),
      requireSnapshot: db.prepare('UPDATE trusted_state SET snapshot_required = ? WHERE id = 1'),
      signers: db.prepare<[], { verifier_key: string; last_created_at: number }>('SELECT verifier_key, last_created_at FROM feed_signers'),
      recordSigner: db.prepare(
        'INSERT INTO feed_signers (verifier_key, last_created_at) VALUES (?, ?) ON CONFLICT (verifier_key) DO UPDATE SET last_created_at = max(last_created_at, excluded.last_created_at)',
      ),
      clearSigners: db.prepare('DELETE FROM feed_signers'),
    };
  }

  root(): PersistedRoot | null {
    const row = this.#statements.root.get();
    if (row === undefined || row.root_envelope === null || row.root_version === null || row.root_pin === null) return null;
    return { envelope: new Uint8Array(row.root_envelope), version: row.root_version, pin: row.root_pin };
  }

  /** Why the next round must re-bootstrap from a snapshot, or null. */
  snapshotRequired(): string | null {
    return this.#statements.root.get()?.snapshot_required ?? null;
  }

  /** Per feed key (verifier key text), the latest createdAt of what the replica applied signed by it since its last snapshot. */
  signers(): ReadonlyMap<string, number> {
    return new Map(this.#statements.signers.all().map((row) => [row.verifier_key, row.last_created_at]));
  }

  /** Persists a newly trusted root and its effects in one transaction. */
  saveRoot(root: PersistedRoot, effects: { readonly dropTimestamp: boolean; readonly dropHead?: boolean; readonly snapshotRequired: string | null }): void {
    this.#db
      .transaction(() => {
        this.#statements.setRoot.run(root.envelope, root.version, root.pin);
        if (effects.dropTimestamp) this.#statements.dropTimestamp.run();
        if (effects.dropHead === true) this.#statements.dropHead.run();
        if (effects.snapshotRequired !== null) this.#statements.requireSnapshot.run(effects.snapshotRequired);
      })
      .immediate();
  }

  recordSigned(verifierKeys: readonly string[], createdAt: number): void {
    this.#db.transaction(() => {
      for (const key of verifierKeys) this.#statements.recordSigner.run(key, createdAt);
    })();
  }

  /** A snapshot replaced the replica: what earlier keys signed is gone, nothing is owed. Call inside the snapshot's transaction. */
  resetAfterSnapshot(): void {
    this.#statements.clearSigners.run();
    this.#statements.requireSnapshot.run(null);
  }
}
