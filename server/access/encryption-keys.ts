import type { Db } from '../store/database.ts';
import { StoreError } from '../store/errors.ts';

/**
 * active: the report key that signed its registration is approved and it is
 * not revoked, so epoch keys are wrapped for it; pending: that report key
 * awaits an operator; revoked: it, or that report key, was revoked
 * (docs/PROTOCOL.md 13.5).
 */
export const ENCRYPTION_KEY_STATUSES = ['active', 'pending', 'revoked'] as const;
export type EncryptionKeyStatus = (typeof ENCRYPTION_KEY_STATUSES)[number];

/** Encryption keys per provider that are not revoked: one per sidecar plus rotations; bounds each access list. */
export const MAX_ENCRYPTION_KEYS = 16;

export interface EncryptionKeyRecord {
  /** Internal row id (wraps reference it). */
  readonly id: number;
  /** encryptionKeyId of the public key (13.3): what access lists call `recipient`. */
  readonly keyId: string;
  readonly provider: string;
  readonly accountId: number;
  readonly publicKey: Uint8Array;
  /** The report key (its key ID) that signed the registration. */
  readonly signerKeyId: string;
  readonly createdAt: number;
  readonly status: EncryptionKeyStatus;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
}

type Row = {
  id: number;
  key_id: string;
  provider: string;
  account_id: number;
  public_key: Buffer;
  signer_key_id: string;
  signer_status: string;
  created_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
  revoke_reason: string | null;
};

const SELECT = `SELECT e.id, e.key_id, a.name AS provider, e.account_id, e.public_key, k.key_id AS signer_key_id, k.status AS signer_status,
  e.created_at, e.revoked_at, e.revoked_by, e.revoke_reason
  FROM encryption_keys e JOIN accounts a ON a.id = e.account_id JOIN provider_keys k ON k.id = e.signer_id`;

/** The SQL condition of an active key (alias e for encryption_keys, k for provider_keys): one definition for every query. */
export const ACTIVE_KEY_SQL = "e.revoked_at IS NULL AND k.status = 'approved'";

/** Providers' registered encryption keys (docs/PROTOCOL.md 13.5). A public key belongs to one provider for good. */
export class EncryptionKeyStore {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      byKeyId: db.prepare<[string], Row>(`${SELECT} WHERE e.key_id = ?`),
      ofAccount: db.prepare<[number], Row>(`${SELECT} WHERE e.account_id = ? ORDER BY e.id`),
      insert: db.prepare('INSERT INTO encryption_keys (key_id, account_id, public_key, signer_id, envelope, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      revoke: db.prepare('UPDATE encryption_keys SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE key_id = ? AND revoked_at IS NULL'),
    };
  }

  find(keyId: string): EncryptionKeyRecord | undefined {
    const row = this.#statements.byKeyId.get(keyId);
    return row === undefined ? undefined : toRecord(row);
  }

  of(accountId: number): EncryptionKeyRecord[] {
    return this.#statements.ofAccount.all(accountId).map(toRecord);
  }

  /**
   * Registers a verified registration; the same key again is a no-op
   * (`created: false`). Another provider's key is a STORE_CONFLICT. Call
   * inside a write transaction.
   */
  register(input: { keyId: string; accountId: number; publicKey: Uint8Array; signerId: number; envelope: Uint8Array; now: number }): { record: EncryptionKeyRecord; created: boolean } {
    const existing = this.find(input.keyId);
    if (existing !== undefined) {
      if (existing.accountId !== input.accountId) throw new StoreError('STORE_CONFLICT', 'this encryption key is registered to another provider');
      return { record: existing, created: false };
    }
    this.#statements.insert.run(input.keyId, input.accountId, input.publicKey, input.signerId, input.envelope, input.now);
    const record = this.find(input.keyId);
    if (record === undefined) throw new StoreError('STORE_NOT_FOUND', 'the encryption key just stored cannot be read back');
    return { record, created: true };
  }

  /** False when it was already revoked. Call inside a write transaction. */
  revoke(keyId: string, by: string, reason: string, now: number): boolean {
    return this.#statements.revoke.run(now, by, reason, keyId).changes === 1;
  }
}

function toRecord(row: Row): EncryptionKeyRecord {
  const status: EncryptionKeyStatus = row.revoked_at !== null || row.signer_status === 'revoked' ? 'revoked' : row.signer_status === 'approved' ? 'active' : 'pending';
  return {
    id: row.id,
    keyId: row.key_id,
    provider: row.provider,
    accountId: row.account_id,
    publicKey: new Uint8Array(row.public_key),
    signerKeyId: row.signer_key_id,
    createdAt: row.created_at,
    status,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    revokeReason: row.revoke_reason,
  };
}
