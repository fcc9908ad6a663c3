import type Database from 'better-sqlite3';
import { encryptionKeyId, unwrapEpochKey, type AccessKey, type AccessList } from '../../shared/seal/index.ts';

type Db = Database.Database;
type ListRow = { provider: string; envelope: Buffer };

/**
 * Why this sidecar reads nothing new (health `no_access`, docs/SIDECAR.md):
 * the list's own reason (NO_ACTIVE_ORDER, ACCOUNT_DISABLED,
 * NO_ENCRYPTION_KEY, ENCRYPTION_KEY_PENDING), NO_KEY_FOR_THIS_SIDECAR (the
 * list wraps keys for the provider's other sidecars only), or
 * ACCESS_LIST_WITHDRAWN (the trusted root revoked the key that signed the
 * list held, PROTOCOL 4.7).
 */
export type NoAccessReason = NonNullable<AccessList['reason']> | 'NO_KEY_FOR_THIS_SIDECAR' | 'ACCESS_LIST_WITHDRAWN';

export interface AccessRingOptions {
  readonly provider: string;
  /** This sidecar's X25519 key pair (PROTOCOL 13.5). */
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/**
 * The epoch keys this sidecar holds (docs/PROTOCOL.md 13.4 step 7): the last
 * access list the trusted store accepted, persisted with its envelope in the
 * replica (table `access_list`, one row), and the epoch keys it opened,
 * in memory only. The rules that admit a list live in the trusted store,
 * the one caller of `hold`, `restore` and `withdraw`.
 */
export class AccessRing {
  readonly provider: string;
  /** encryptionKeyId of this sidecar's public key: the wraps addressed to it (13.3). */
  readonly recipient: string;
  readonly #privateKey: Uint8Array;
  readonly #save;
  readonly #forget;
  #list: AccessList | undefined;
  #envelope: Uint8Array | undefined;
  #keys = new Map<number, Uint8Array>();
  #withdrawn = false;
  readonly #persisted: Uint8Array | undefined;

  /** Loads the persisted envelope for `provider` (not trusted yet: TrustedStore.restoreAccessList re-opens it). */
  constructor(db: Db, options: AccessRingOptions) {
    this.provider = options.provider;
    this.#privateKey = options.privateKey;
    this.recipient = encryptionKeyId(options.publicKey);
    this.#save = db.prepare(
      `INSERT INTO access_list (id, provider, issued_at, envelope, accepted_at) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, issued_at = excluded.issued_at, envelope = excluded.envelope, accepted_at = excluded.accepted_at`,
    );
    this.#forget = db.prepare('DELETE FROM access_list WHERE id = 1');
    const row = db.prepare<[], ListRow>('SELECT provider, envelope FROM access_list WHERE id = 1').get();
    // A list persisted for another provider (the sidecar was reconfigured) is ignored.
    this.#persisted = row !== undefined && row.provider === options.provider ? new Uint8Array(row.envelope) : undefined;
  }

  /** The envelope persisted by an earlier run, to be judged again at start; undefined once restored or when none. */
  get persistedEnvelope(): Uint8Array | undefined {
    return this.#list === undefined ? this.#persisted : undefined;
  }

  /** The list held (verified), undefined before the first. */
  get list(): AccessList | undefined {
    return this.#list;
  }

  /** The envelope of the list held, for the trusted store to judge its signer again. */
  get heldEnvelope(): Uint8Array | undefined {
    return this.#envelope;
  }

  /** The opened key of `epoch`, undefined when this sidecar was not given it. */
  keyFor(epoch: number): Uint8Array | undefined {
    return this.#keys.get(epoch);
  }

  /** Epochs whose key is held, ascending. */
  get epochs(): readonly number[] {
    return [...this.#keys.keys()].sort((a, b) => a - b);
  }

  /**
   * Why this sidecar has no access, or null while it has some or the Centre
   * never sent a list (an older Centre, whose feed is plaintext).
   */
  noAccessReason(): NoAccessReason | null {
    if (this.#withdrawn) return 'ACCESS_LIST_WITHDRAWN';
    const list = this.#list;
    if (list === undefined) return null;
    if (!list.entitled) return list.reason ?? 'NO_ACTIVE_ORDER';
    if (this.#keys.size === 0) return list.reason ?? 'NO_KEY_FOR_THIS_SIDECAR';
    return null;
  }

  /** The wraps addressed to this sidecar's key; wraps for the provider's other keys are skipped (13.4 step 6). */
  wrapsForThisSidecar(list: AccessList): readonly AccessKey[] {
    return list.keys.filter((key) => key.recipient === this.recipient);
  }

  /** HPKE OpenBase of one wrap with this sidecar's private key (throws SealError SEAL_UNWRAP_FAILED). */
  unwrap(list: AccessList, key: AccessKey): Promise<Uint8Array> {
    return unwrapEpochKey(this.#privateKey, { feed: list.feed, provider: list.provider, recipient: key.recipient, epoch: key.epoch }, key);
  }

  /** TrustedStore only: persists a newly accepted list, then holds it and its opened keys. */
  hold(list: AccessList, envelope: Uint8Array, keys: ReadonlyMap<number, Uint8Array>, now: number): void {
    this.#save.run(list.provider, list.issuedAt, envelope, now);
    this.restore(list, envelope, keys);
  }

  /** TrustedStore only: holds a list re-verified from the replica at start (or just persisted). */
  restore(list: AccessList, envelope: Uint8Array, keys: ReadonlyMap<number, Uint8Array>): void {
    this.#wipeKeys();
    this.#list = list;
    this.#envelope = envelope;
    this.#keys = new Map(keys);
    this.#withdrawn = false;
  }

  /**
   * TrustedStore only: the list held is no longer trusted (its signer was
   * revoked, or the persisted row fails its checks): no keys until the next
   * list, restarts included. Its issuedAt stays the floor against rollback.
   */
  withdraw(): void {
    this.#forget.run();
    this.#wipeKeys();
    this.#envelope = undefined;
    this.#withdrawn = true;
  }

  #wipeKeys(): void {
    for (const key of this.#keys.values()) key.fill(0);
    this.#keys = new Map();
  }
}
