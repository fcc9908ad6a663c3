import type { AccountStore } from '../store/accounts.ts';
import type { AccessLogStore } from './access-log.ts';
import type { EntitlementEngine } from './entitlement.ts';
import type { EpochReason, EpochStore } from './epoch-store.ts';

/** The epoch a publication seals under: its number, key and commitment, and why it began if it began with this publication. */
export interface SealingEpoch {
  readonly epoch: number;
  readonly key: Uint8Array;
  readonly keyCommitment: Uint8Array;
  readonly began: EpochReason | undefined;
}

/**
 * When a new epoch begins (docs/PROTOCOL.md 13.2): only with a publication,
 * decided inside its transaction, when (1) none exists, (2) an encryption key
 * that received a wrap of the current epoch is no longer active or its
 * provider no longer entitled, (3) an operator asked (or an encryption key
 * was revoked), or (4) the current epoch's key cannot be read.
 */
export class EpochSchedule {
  readonly #epochs: EpochStore;
  readonly #entitlement: EntitlementEngine;
  readonly #accessLog: AccessLogStore;
  readonly #accounts: AccountStore;

  constructor(parts: { epochs: EpochStore; entitlement: EntitlementEngine; accessLog: AccessLogStore; accounts: AccountStore }) {
    this.#epochs = parts.epochs;
    this.#entitlement = parts.entitlement;
    this.#accessLog = parts.accessLog;
    this.#accounts = parts.accounts;
  }

  /** The reason a publication at `now` would start a new epoch; undefined when the current one continues. */
  due(now: number): EpochReason | undefined {
    const current = this.#epochs.current();
    if (current === undefined) return 'first';
    if (this.#epochs.keyOf(current.epoch) === undefined) return 'key-unreadable';
    if (this.#epochs.rotationRequested()) return 'requested';
    if (this.#entitlement.lostSinceWrapped(current.epoch, now)) return 'entitlement';
    return undefined;
  }

  /**
   * The epoch version `version` is sealed under, beginning a new one when due.
   * Call inside the publication's write transaction. A provider whose grant
   * is open but who is no longer entitled gets its `end` in the access log here.
   */
  forPublication(version: number, now: number): SealingEpoch {
    for (const providerId of this.#accessLog.openGrants()) {
      const account = this.#accounts.byId(providerId);
      if (account !== undefined) this.#accessLog.evaluate(providerId, this.#entitlement.of(account, now), now);
    }
    const reason = this.due(now);
    if (reason !== undefined) {
      const { record, key } = this.#epochs.begin(version, reason, now);
      return { epoch: record.epoch, key, keyCommitment: record.keyCommitment, began: reason };
    }
    const current = this.#epochs.current();
    const key = current === undefined ? undefined : this.#epochs.keyOf(current.epoch);
    // due() returned undefined, so both exist; checked again for the type system.
    if (current === undefined || key === undefined) throw new Error('the current epoch vanished inside the publication');
    return { epoch: current.epoch, key, keyCommitment: current.keyCommitment, began: undefined };
  }
}
