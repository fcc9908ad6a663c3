import { epochKeyCommitment, generateEpochKey } from '../../shared/seal/index.ts';
import type { AuditLog } from '../store/audit.ts';
import type { Db } from '../store/database.ts';
import { AccessError } from './errors.ts';
import { createEpochWrapKey, loadEpochWrapKey, openEpochKey, sealEpochKey, type EpochWrapKey } from './epoch-wrap-key.ts';

/** Why an epoch began (docs/PROTOCOL.md 13.2, rules 1 to 4). */
export type EpochReason = 'first' | 'entitlement' | 'requested' | 'key-unreadable';

export interface EpochRecord {
  readonly epoch: number;
  readonly startedAt: number;
  /** The version whose publication began it. */
  readonly version: number;
  readonly reason: EpochReason;
  readonly keyCommitment: Uint8Array;
}

type EpochRow = { epoch: number; started_at: number; version: number; reason: string; key_commitment: Buffer; wrap_key_id: string; sealed_key: Buffer };

const REASONS: readonly EpochReason[] = ['first', 'entitlement', 'requested', 'key-unreadable'];
const WRAP_KEY_META = 'epoch_wrap_key_id';
const ROTATION_META = 'epoch_rotation_requested';

/**
 * The feed's epochs and their keys (PROTOCOL 13.2). Each key is stored only
 * sealed under the key-wrapping key, with its commitment; opened keys are
 * cached in memory. A key that does not open (the key-wrapping key it was
 * sealed under is gone) is reported unreadable, which starts a new epoch at
 * the next publication.
 */
export class EpochStore {
  readonly #feed: string;
  readonly #wrapKey: EpochWrapKey;
  readonly #cache = new Map<number, Uint8Array | null>();
  readonly #statements;

  constructor(db: Db, feed: string, wrapKey: EpochWrapKey) {
    this.#feed = feed;
    this.#wrapKey = wrapKey;
    this.#statements = {
      current: db.prepare<[], EpochRow>('SELECT * FROM epochs ORDER BY epoch DESC LIMIT 1'),
      get: db.prepare<[number], EpochRow>('SELECT * FROM epochs WHERE epoch = ?'),
      all: db.prepare<[], EpochRow>('SELECT * FROM epochs ORDER BY epoch'),
      insert: db.prepare('INSERT INTO epochs (epoch, started_at, version, reason, key_commitment, wrap_key_id, sealed_key) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      meta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      putMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      deleteMeta: db.prepare('DELETE FROM meta WHERE key = ?'),
    };
  }

  /**
   * Opens the key-wrapping key of a data folder, making one (with an audit
   * record) when it has none: an older folder, or one whose key was lost.
   */
  static openWrapKey(db: Db, dataDir: string, env: NodeJS.ProcessEnv, audit: AuditLog, now: number): EpochWrapKey {
    const recorded = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(WRAP_KEY_META)?.value;
    const loaded = loadEpochWrapKey(dataDir, recorded, env);
    if (loaded !== undefined && loaded.id === recorded) return loaded;
    return db
      .transaction(() => {
        const epochs = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM epochs').get()?.n ?? 0;
        const key = loaded ?? createEpochWrapKey(dataDir);
        db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(WRAP_KEY_META, key.id);
        // The id only: it names the key and reveals nothing of it.
        audit.record(now, 'centre', loaded === undefined ? 'epoch-wrap-key.create' : 'epoch-wrap-key.adopt', `epoch-wrap-key:${key.id}`, {
          ...(recorded === undefined ? {} : { previous: recorded }),
          ...(epochs > 0 ? { consequence: 'earlier epoch keys sealed under another key-wrapping key are unreadable: a new epoch starts at once' } : {}),
        });
        return key;
      })
      .immediate();
  }

  get wrapKeyId(): string {
    return this.#wrapKey.id;
  }

  current(): EpochRecord | undefined {
    const row = this.#statements.current.get();
    return row === undefined ? undefined : toRecord(row);
  }

  get(epoch: number): EpochRecord | undefined {
    const row = this.#statements.get.get(epoch);
    return row === undefined ? undefined : toRecord(row);
  }

  /** Every epoch, oldest first (an auditor reads them all). */
  all(): EpochRecord[] {
    return this.#statements.all.all().map(toRecord);
  }

  /** The epoch's key, or undefined when it does not exist or cannot be read under the key-wrapping key held now. */
  keyOf(epoch: number): Uint8Array | undefined {
    const cached = this.#cache.get(epoch);
    if (cached !== undefined) return cached ?? undefined;
    const row = this.#statements.get.get(epoch);
    if (row === undefined) return undefined;
    let key: Uint8Array | null = null;
    if (row.wrap_key_id === this.#wrapKey.id) {
      try {
        key = openEpochKey(this.#wrapKey, this.#feed, epoch, new Uint8Array(row.sealed_key));
      } catch (err) {
        if (!(err instanceof AccessError)) throw err;
      }
    }
    this.#cache.set(epoch, key);
    return key ?? undefined;
  }

  /** Rule 4: the current epoch exists and its key cannot be read. */
  currentUnreadable(): boolean {
    const current = this.current();
    return current !== undefined && this.keyOf(current.epoch) === undefined;
  }

  /** Starts the next epoch with a fresh key. Call inside the publication's write transaction. */
  begin(version: number, reason: EpochReason, now: number): { record: EpochRecord; key: Uint8Array } {
    const epoch = (this.current()?.epoch ?? 0) + 1;
    const key = generateEpochKey();
    const keyCommitment = epochKeyCommitment(this.#feed, epoch, key);
    this.#statements.insert.run(epoch, now, version, reason, keyCommitment, this.#wrapKey.id, sealEpochKey(this.#wrapKey, this.#feed, epoch, key));
    this.#statements.deleteMeta.run(ROTATION_META);
    // Not cached here: the transaction may still roll back; keyOf() opens the stored key once it is needed.
    return { record: { epoch, startedAt: now, version, reason, keyCommitment }, key };
  }

  /** Rule 3 (and a revoked encryption key): a new epoch at the next publication. Call inside a write transaction. */
  requestRotation(reason: string, now: number): void {
    this.#statements.putMeta.run(ROTATION_META, JSON.stringify({ reason, at: now }));
  }

  rotationRequested(): boolean {
    return this.#statements.meta.get(ROTATION_META) !== undefined;
  }
}

function toRecord(row: EpochRow): EpochRecord {
  const reason = REASONS.find((r) => r === row.reason);
  if (reason === undefined) throw new AccessError('EPOCH_KEY_UNREADABLE', `epoch ${row.epoch} has an unknown reason`);
  return { epoch: row.epoch, startedAt: row.started_at, version: row.version, reason, keyCommitment: new Uint8Array(row.key_commitment) };
}
