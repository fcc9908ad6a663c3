import { parseVerifierKey, type VerifierKey } from '../../shared/crypto/index.ts';
import type { Db } from './database.ts';
import { StoreError } from './errors.ts';

export interface ProviderKeyInfo {
  readonly verifierKey: string;
  readonly keyId: string;
  readonly createdAt: number;
}

type KeyRow = { account_id: number; verifier_key: string; key_id: string; created_at: number };

/**
 * The Ed25519 verifier keys each provider's sidecars sign reports with.
 * Several per provider (one per sidecar, and old ones during rotation); a
 * key belongs to one provider only, so a report's signature names its
 * sender.
 */
export class ProviderKeyStore {
  readonly #insert;
  readonly #byText;
  readonly #ofAccount;

  constructor(db: Db) {
    this.#insert = db.prepare('INSERT INTO provider_keys (account_id, verifier_key, key_id, created_at) VALUES (?, ?, ?, ?)');
    this.#byText = db.prepare<[string], KeyRow>('SELECT * FROM provider_keys WHERE verifier_key = ?');
    this.#ofAccount = db.prepare<[number], KeyRow>('SELECT * FROM provider_keys WHERE account_id = ? ORDER BY id');
  }

  /**
   * Registers `key` for the account; registering it again is a no-op
   * (`created: false`). Call inside a write transaction. A key already
   * registered by another account is a STORE_CONFLICT.
   */
  register(accountId: number, key: VerifierKey, now: number): { info: ProviderKeyInfo; created: boolean } {
    const existing = this.#byText.get(key.text);
    if (existing !== undefined) {
      if (existing.account_id !== accountId) throw new StoreError('STORE_CONFLICT', 'this key is registered to another provider');
      return { info: toInfo(existing), created: false };
    }
    this.#insert.run(accountId, key.text, key.keyIdHex, now);
    return { info: { verifierKey: key.text, keyId: key.keyIdHex, createdAt: now }, created: true };
  }

  /** The account's keys, ready to verify with. */
  keysOf(accountId: number): VerifierKey[] {
    return this.#ofAccount.all(accountId).map((row) => parseVerifierKey(row.verifier_key));
  }

  list(accountId: number): ProviderKeyInfo[] {
    return this.#ofAccount.all(accountId).map(toInfo);
  }
}

function toInfo(row: KeyRow): ProviderKeyInfo {
  return { verifierKey: row.verifier_key, keyId: row.key_id, createdAt: row.created_at };
}
