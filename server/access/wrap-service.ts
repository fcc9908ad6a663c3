import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { MAX_ACCESS_KEYS, wrapEpochKey, type AccessDenialReason, type AccessKey, type AccessList, type WrappedEpochKey } from '../../shared/seal/index.ts';
import type { Account } from '../store/accounts.ts';
import type { Db } from '../store/database.ts';
import type { AccessLogStore } from './access-log.ts';
import type { EncryptionKeyRecord, EncryptionKeyStore } from './encryption-keys.ts';
import type { EntitlementEngine, Recipient } from './entitlement.ts';
import type { EpochStore } from './epoch-store.ts';

/** Earlier epochs an access list carries besides the current one (docs/PROTOCOL.md 13.3). */
export const EARLIER_EPOCHS_KEPT = 64;
/** HPKE wraps in flight at once when an epoch is wrapped for every recipient; each batch is stored in one small transaction. */
export const WRAP_CONCURRENCY = 128;

export interface WrapServiceParts {
  readonly db: Db;
  readonly feed: string;
  readonly epochs: EpochStore;
  readonly entitlement: EntitlementEngine;
  readonly keys: EncryptionKeyStore;
  readonly accessLog: AccessLogStore;
  /** Runs a write transaction (Centre.write). */
  readonly write: <T>(fn: () => T) => T;
  /** Where a failed background wrap is reported (never with key material). */
  readonly onError: (err: unknown) => void;
}

export interface WrapRound {
  readonly epoch: number;
  readonly recipients: number;
  readonly wrapped: number;
  readonly failed: number;
}

type WrapRow = { enc: Buffer; wrapped: Buffer };

/**
 * Wraps epoch keys for providers' encryption keys (PROTOCOL 13.3) and builds
 * each provider's access list (13.4). HPKE is asynchronous, so wraps are
 * made outside any transaction and stored afterwards, each once (the first
 * stored wins): the same list comes back until something changes.
 */
export class WrapService {
  readonly #parts: WrapServiceParts;
  readonly #statements;
  readonly #running = new Set<Promise<WrapRound>>();
  #stopped = false;

  constructor(parts: WrapServiceParts) {
    this.#parts = parts;
    const { db } = parts;
    this.#statements = {
      stored: db.prepare<[number, number], WrapRow>('SELECT enc, wrapped FROM epoch_wraps WHERE epoch = ? AND encryption_key_id = ?'),
      insert: db.prepare('INSERT OR IGNORE INTO epoch_wraps (epoch, encryption_key_id, account_id, enc, wrapped, basis, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      receivedEpochs: db.prepare<[number, number, number], { epoch: number }>(
        'SELECT DISTINCT epoch FROM epoch_wraps WHERE account_id = ? AND epoch > ? AND epoch < ? ORDER BY epoch DESC',
      ),
      wrappedKeys: db.prepare<[number], { encryption_key_id: number }>('SELECT encryption_key_id FROM epoch_wraps WHERE epoch = ?'),
    };
  }

  /**
   * The caller's access list at `now`, its wraps made where missing, and
   * every answer recorded in the access log with its basis or reason.
   */
  async accessList(account: Account, now: number): Promise<AccessList> {
    const { epochs, entitlement, keys: keyStore, accessLog, write, feed } = this.#parts;
    const found = entitlement.of(account, now);
    const current = epochs.current();
    const base = { provider: account.name, feed, issuedAt: now, policy: entitlement.policy, currentEpoch: current?.epoch ?? 0 };
    const refuse = (reason: AccessDenialReason, basis?: string): AccessList => {
      write(() => {
        accessLog.evaluate(account.id, found, now);
        accessLog.fetch(account.id, { basis, reason, epochs: [] }, now);
      });
      return { ...base, entitled: basis !== undefined, ...(basis === undefined ? {} : { basis }), reason, keys: [] };
    };
    if (!found.entitled) return refuse(found.reason);
    const { basis } = found;
    const registered = keyStore.of(account.id);
    const active = registered.filter((k) => k.status === 'active');
    if (active.length === 0) return refuse(registered.some((k) => k.status === 'pending') ? 'ENCRYPTION_KEY_PENDING' : 'NO_ENCRYPTION_KEY', basis);
    if (current === undefined) return refuse('NO_EPOCH_KEY', basis);

    // The current epoch, then each earlier one (of the last 64) this provider already received under any of its keys.
    const earlier = this.#statements.receivedEpochs.all(account.id, current.epoch - EARLIER_EPOCHS_KEPT - 1, current.epoch).map((r) => r.epoch);
    const wanted: { epoch: number; key: EncryptionKeyRecord }[] = [];
    for (const epoch of [current.epoch, ...earlier]) {
      for (const key of active) if (wanted.length < MAX_ACCESS_KEYS) wanted.push({ epoch, key });
    }
    const missing = wanted.filter((w) => this.#statements.stored.get(w.epoch, w.key.id) === undefined);
    await this.#wrapAndStore(
      missing.map((w) => ({ epoch: w.epoch, accountId: account.id, provider: account.name, basis, keyRowId: w.key.id, keyId: w.key.keyId, publicKey: w.key.publicKey })),
      now,
    );

    const commitments = new Map<number, Uint8Array>();
    const keys: AccessKey[] = [];
    for (const w of wanted) {
      const stored = this.#statements.stored.get(w.epoch, w.key.id);
      const commitment = commitments.get(w.epoch) ?? epochs.get(w.epoch)?.keyCommitment;
      if (stored === undefined || commitment === undefined) continue;
      commitments.set(w.epoch, commitment);
      keys.push({ epoch: w.epoch, recipient: w.key.keyId, keyCommitment: commitment, enc: new Uint8Array(stored.enc), wrapped: new Uint8Array(stored.wrapped) });
    }
    if (keys.length === 0) return refuse('NO_EPOCH_KEY', basis);
    write(() => {
      accessLog.evaluate(account.id, found, now);
      accessLog.fetch(account.id, { basis, epochs: [...new Set(keys.map((k) => k.epoch))] }, now);
    });
    return { ...base, entitled: true, basis, keys };
  }

  /**
   * Wraps `epoch`'s key for every active encryption key of every entitled
   * provider that lacks one, WRAP_CONCURRENCY at a time, yielding between
   * batches. A failure is reported through onError and never stops the round.
   */
  async wrapEpochForAll(epoch: number, now: number): Promise<WrapRound> {
    const { entitlement } = this.#parts;
    const have = new Set(this.#statements.wrappedKeys.all(epoch).map((r) => r.encryption_key_id));
    const recipients = entitlement.recipients(now).filter((r) => !have.has(r.keyRowId));
    let wrapped = 0;
    let failed = 0;
    for (let start = 0; start < recipients.length && !this.#stopped; start += WRAP_CONCURRENCY) {
      const batch = recipients.slice(start, start + WRAP_CONCURRENCY).map((r) => ({ ...r, epoch }));
      const outcome = await this.#wrapAndStore(batch, now);
      wrapped += outcome.wrapped;
      failed += outcome.failed;
      await yieldToEventLoop();
    }
    return { epoch, recipients: recipients.length, wrapped, failed };
  }

  /** wrapEpochForAll without waiting: publishing never waits for, nor fails with, the wraps. */
  wrapInBackground(epoch: number, now: number): Promise<WrapRound> {
    const round = this.wrapEpochForAll(epoch, now).catch((err: unknown) => {
      this.#parts.onError(err);
      return { epoch, recipients: 0, wrapped: 0, failed: 0 };
    });
    this.#running.add(round);
    void round.finally(() => this.#running.delete(round));
    return round;
  }

  /** Waits for the background rounds in flight (tests, and a graceful stop). */
  async settled(): Promise<void> {
    await Promise.all([...this.#running]);
  }

  /** No further batches start: the database is about to close. */
  stop(): void {
    this.#stopped = true;
  }

  async #wrapAndStore(wanted: readonly (Recipient & { epoch: number })[], now: number): Promise<{ wrapped: number; failed: number }> {
    const { epochs, feed, accessLog, write, onError, entitlement } = this.#parts;
    const made = await Promise.all(
      wanted.map(async (w): Promise<(Recipient & { epoch: number; wrap: WrappedEpochKey }) | undefined> => {
        const epochKey = epochs.keyOf(w.epoch);
        // An epoch whose key is unreadable (the key-wrapping key was lost) gets no new wraps; those already made stay.
        if (epochKey === undefined) return undefined;
        try {
          const wrap = await wrapEpochKey(w.publicKey, { feed, provider: w.provider, recipient: w.keyId, epoch: w.epoch }, epochKey);
          return { ...w, wrap };
        } catch (err) {
          onError(err);
          return undefined;
        }
      }),
    );
    if (this.#stopped) return { wrapped: 0, failed: wanted.length };
    let wrapped = 0;
    write(() => {
      for (const m of made) {
        // Judged again inside the transaction: the wrap was made outside it, and a publication may have run since (13.2 rule 2).
        if (m === undefined || !entitlement.isRecipient(m.keyRowId, now)) continue;
        if (this.#statements.insert.run(m.epoch, m.keyRowId, m.accountId, m.wrap.enc, m.wrap.wrapped, m.basis, now).changes === 1) {
          wrapped++;
          accessLog.evaluate(m.accountId, { entitled: true, basis: m.basis }, now);
          accessLog.wrap(m.accountId, m.epoch, m.keyId, m.basis, now);
        }
      }
    });
    return { wrapped, failed: made.filter((m) => m === undefined).length };
  }
}
