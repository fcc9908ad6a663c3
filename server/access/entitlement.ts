import { ACCOUNT_BASIS, type AccessPolicy } from '../../shared/seal/index.ts';
import type { Account } from '../store/accounts.ts';
import type { Db } from '../store/database.ts';
import { ACTIVE_KEY_SQL } from './encryption-keys.ts';

export type Entitlement = { readonly entitled: true; readonly basis: string } | { readonly entitled: false; readonly reason: 'NO_ACTIVE_ORDER' | 'ACCOUNT_DISABLED' };

/** An encryption key that is active for an entitled provider: who an epoch key is wrapped for. */
export interface Recipient {
  readonly accountId: number;
  readonly provider: string;
  readonly basis: string;
  /** encryption_keys row id. */
  readonly keyRowId: number;
  readonly keyId: string;
  readonly publicKey: Uint8Array;
}

/** The order in force now (@now) for the provider a.id: the one that runs longest, so that the basis changes least often. */
const ORDER_IN_FORCE_SQL = `SELECT o.order_id FROM orders o WHERE o.provider_id = a.id AND o.ended_at IS NULL AND o.not_before <= @now AND o.not_after > @now
  ORDER BY o.not_after DESC, o.id DESC LIMIT 1`;

/** Whether the account a is entitled at @now under @policy (docs/SAFEGUARDS.md, "Access to the indicators"). */
const ENTITLED_SQL = `a.role = 'provider' AND a.disabled_at IS NULL AND (@policy = 'account' OR EXISTS (${ORDER_IN_FORCE_SQL}))`;

/**
 * Who may read the feed, and why (docs/PROTOCOL.md 13.4): the one owner of
 * the entitlement rule. Under `order` (the default) an enabled provider is
 * entitled while at least one of its detection orders is in force
 * (notBefore <= now < notAfter, not ended early), its basis that order's
 * id; under `account` every enabled provider is, its basis `account`.
 */
export class EntitlementEngine {
  readonly policy: AccessPolicy;
  readonly #statements;

  constructor(db: Db, policy: AccessPolicy) {
    this.policy = policy;
    this.#statements = {
      orderInForce: db.prepare<[{ id: number; now: number }], { order_id: string }>(ORDER_IN_FORCE_SQL.replace('a.id', '@id')),
      lostSinceWrapped: db.prepare<[{ epoch: number; now: number; policy: string }], { one: number }>(
        `SELECT 1 AS one FROM epoch_wraps w JOIN encryption_keys e ON e.id = w.encryption_key_id JOIN provider_keys k ON k.id = e.signer_id
         JOIN accounts a ON a.id = w.account_id
         WHERE w.epoch = @epoch AND NOT (${ACTIVE_KEY_SQL} AND ${ENTITLED_SQL}) LIMIT 1`,
      ),
      isRecipient: db.prepare<[{ key: number; now: number; policy: string }], { one: number }>(
        `SELECT 1 AS one FROM encryption_keys e JOIN provider_keys k ON k.id = e.signer_id JOIN accounts a ON a.id = e.account_id
         WHERE e.id = @key AND ${ACTIVE_KEY_SQL} AND ${ENTITLED_SQL}`,
      ),
      recipients: db.prepare<[{ now: number; policy: string }], { account_id: number; provider: string; basis: string | null; key_row: number; key_id: string; public_key: Buffer }>(
        `SELECT a.id AS account_id, a.name AS provider, (${ORDER_IN_FORCE_SQL}) AS basis, e.id AS key_row, e.key_id, e.public_key
         FROM encryption_keys e JOIN provider_keys k ON k.id = e.signer_id JOIN accounts a ON a.id = e.account_id
         WHERE ${ACTIVE_KEY_SQL} AND ${ENTITLED_SQL} ORDER BY e.id`,
      ),
    };
  }

  /** The account's entitlement at `now`. */
  of(account: Account, now: number): Entitlement {
    if (account.role !== 'provider' || account.disabledAt !== null) return { entitled: false, reason: 'ACCOUNT_DISABLED' };
    if (this.policy === 'account') return { entitled: true, basis: ACCOUNT_BASIS };
    const order = this.#statements.orderInForce.get({ id: account.id, now });
    return order === undefined ? { entitled: false, reason: 'NO_ACTIVE_ORDER' } : { entitled: true, basis: order.order_id };
  }

  /**
   * PROTOCOL 13.2 rule 2: some encryption key that received a wrap of
   * `epoch` is no longer active, or its provider no longer entitled.
   */
  lostSinceWrapped(epoch: number, now: number): boolean {
    return this.#statements.lostSinceWrapped.get({ epoch, now, policy: this.policy }) !== undefined;
  }

  /**
   * Whether the encryption key (row id) is active and its provider entitled
   * at `now`, read again when a wrap made outside a transaction is stored:
   * an order ended, a key revoked or an account disabled meanwhile gets no
   * wrap that a publication in between could not have seen (13.2 rule 2).
   */
  isRecipient(keyRowId: number, now: number): boolean {
    return this.#statements.isRecipient.get({ key: keyRowId, now, policy: this.policy }) !== undefined;
  }

  /** Every active encryption key of every entitled provider at `now`, with its provider's basis. */
  recipients(now: number): Recipient[] {
    return this.#statements.recipients.all({ now, policy: this.policy }).map((row) => ({
      accountId: row.account_id,
      provider: row.provider,
      basis: this.policy === 'account' ? ACCOUNT_BASIS : (row.basis ?? ''),
      keyRowId: row.key_row,
      keyId: row.key_id,
      publicKey: new Uint8Array(row.public_key),
    }));
  }
}
