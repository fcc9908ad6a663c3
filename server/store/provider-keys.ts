import { encodeBase64 } from '../../shared/crypto/bytes.ts';
import { parseVerifierKey, type VerifierKey } from '../../shared/crypto/index.ts';
import type { Db } from './database.ts';
import { StoreError } from './errors.ts';

/**
 * pending: registered with a provider token, not yet trusted; approved: an
 * operator bound it to the provider out of band, reports signed by it are
 * accepted; revoked: never trusted again (register a new key instead).
 */
export const PROVIDER_KEY_STATUSES = ['pending', 'approved', 'revoked'] as const;
export type ProviderKeyStatus = (typeof PROVIDER_KEY_STATUSES)[number];

export function isProviderKeyStatus(value: unknown): value is ProviderKeyStatus {
  return typeof value === 'string' && (PROVIDER_KEY_STATUSES as readonly string[]).includes(value);
}

export interface ProviderKeyInfo {
  readonly verifierKey: string;
  readonly keyId: string;
  readonly createdAt: number;
  readonly status: ProviderKeyStatus;
}

/** A key as operators review it. */
export interface ProviderKeyRecord extends ProviderKeyInfo {
  readonly id: number;
  readonly provider: string;
  readonly approvedAt: number | null;
  readonly approvedBy: string | null;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
}

type KeyRow = {
  id: number;
  account_id: number;
  provider: string;
  verifier_key: string;
  key_id: string;
  created_at: number;
  status: string;
  approved_at: number | null;
  approved_by: string | null;
  revoked_at: number | null;
  revoked_by: string | null;
};

const SELECT = 'SELECT k.*, a.name AS provider FROM provider_keys k JOIN accounts a ON a.id = k.account_id';

/** The C2SP key without its name: base64(type || public key), the same for one key under any name. */
const publicKeyOf = (key: VerifierKey): string => encodeBase64(Uint8Array.from([key.signatureType, ...key.publicKey]));

/** Parsed verifier keys kept in memory (a few per provider: its rotations). */
const PARSED_KEYS_KEPT = 4096;

/**
 * The Ed25519 verifier keys each provider's sidecars sign reports with.
 * Several per provider (one per sidecar, and old ones during rotation). A
 * key (its public half, whatever its name) belongs to one provider only, and
 * every lookup is per provider, so a report's signature names its sender.
 * A provider token only registers a key as pending; an operator approves it
 * (docs/SAFEGUARDS.md, "Report keys").
 */
export class ProviderKeyStore {
  readonly #insert;
  readonly #parsedKeys = new Map<string, VerifierKey>();
  readonly #holders;
  readonly #byText;
  readonly #ofAccount;
  readonly #page;
  readonly #approve;
  readonly #revoke;

  constructor(db: Db) {
    this.#insert = db.prepare("INSERT INTO provider_keys (account_id, verifier_key, key_id, created_at, public_key, status) VALUES (?, ?, ?, ?, ?, 'pending')");
    this.#holders = db.prepare<[string], { account_id: number; status: string }>('SELECT account_id, status FROM provider_keys WHERE public_key = ?');
    this.#byText = db.prepare<[number, string], KeyRow>(`${SELECT} WHERE k.account_id = ? AND k.verifier_key = ?`);
    this.#ofAccount = db.prepare<[number], KeyRow>(`${SELECT} WHERE k.account_id = ? ORDER BY k.id`);
    this.#page = db.prepare<[{ status: string | null; provider: string | null; afterId: number; limit: number }], KeyRow>(
      `${SELECT} WHERE (@status IS NULL OR k.status = @status) AND (@provider IS NULL OR a.name = @provider) AND k.id > @afterId ORDER BY k.id LIMIT @limit`,
    );
    this.#approve = db.prepare("UPDATE provider_keys SET status = 'approved', approved_at = ?, approved_by = ? WHERE id = ? AND status = 'pending'");
    this.#revoke = db.prepare("UPDATE provider_keys SET status = 'revoked', revoked_at = ?, revoked_by = ? WHERE id = ? AND status != 'revoked'");
  }

  /**
   * Registers `key` for the account as pending; registering it again is a
   * no-op (`created: false`, whatever its status). Call inside a write
   * transaction. A public key another account registered, under any name,
   * is a STORE_CONFLICT; so is one this account holds under another name
   * (revoked, it would look new and pending again; live, revoking it by
   * one name would leave the other trusted).
   */
  register(accountId: number, key: VerifierKey, now: number): { info: ProviderKeyInfo; created: boolean } {
    const existing = this.#byText.get(accountId, key.text);
    if (existing !== undefined) return { info: toInfo(existing), created: false };
    const holders = this.#holders.all(publicKeyOf(key));
    if (holders.some((h) => h.account_id !== accountId)) throw new StoreError('STORE_CONFLICT', 'this key is registered to another provider');
    if (holders.some((h) => h.status === 'revoked')) throw new StoreError('STORE_CONFLICT', 'this key was revoked under another name; register a new key');
    if (holders.length > 0) throw new StoreError('STORE_CONFLICT', 'this key is already registered under another name');
    this.#insert.run(accountId, key.text, key.keyIdHex, now, publicKeyOf(key));
    return { info: { verifierKey: key.text, keyId: key.keyIdHex, createdAt: now, status: 'pending' }, created: true };
  }

  /** The account's keys in one status, ready to verify with. */
  keysOf(accountId: number, status: ProviderKeyStatus = 'approved'): VerifierKey[] {
    return this.#ofAccount
      .all(accountId)
      .filter((row) => row.status === status)
      .map((row) => this.#parsed(row.verifier_key));
  }

  /**
   * The rows are read every time (an approval or revocation counts at
   * once); the parsed key is kept, so that its node:crypto KeyObject is
   * built once and not for every report it verifies. At most
   * PARSED_KEYS_KEPT, the least recently used dropped first.
   */
  #parsed(text: string): VerifierKey {
    const kept = this.#parsedKeys.get(text);
    if (kept !== undefined) {
      this.#parsedKeys.delete(text);
      this.#parsedKeys.set(text, kept);
      return kept;
    }
    const key = parseVerifierKey(text);
    this.#parsedKeys.set(text, key);
    if (this.#parsedKeys.size > PARSED_KEYS_KEPT) this.#parsedKeys.delete(this.#parsedKeys.keys().next().value ?? '');
    return key;
  }

  list(accountId: number): ProviderKeyInfo[] {
    return this.#ofAccount.all(accountId).map(toInfo);
  }

  /** All providers' keys for review, oldest first, optionally of one status or provider. */
  page(filter: { status?: ProviderKeyStatus; provider?: string; afterId: number; limit: number }): ProviderKeyRecord[] {
    return this.#page.all({ status: filter.status ?? null, provider: filter.provider ?? null, afterId: filter.afterId, limit: filter.limit }).map(toRecord);
  }

  /** The account's keys whose key ID (or full verifier key text) is `selector`. */
  find(accountId: number, selector: string): ProviderKeyRecord[] {
    return this.#ofAccount
      .all(accountId)
      .filter((row) => row.key_id === selector || row.verifier_key === selector)
      .map(toRecord);
  }

  /** Pending to approved; false when the key was not pending. Call inside a write transaction. */
  approve(id: number, by: string, now: number): boolean {
    return this.#approve.run(now, by, id).changes === 1;
  }

  /** To revoked, for good; false when it already was. Call inside a write transaction. */
  revoke(id: number, by: string, now: number): boolean {
    return this.#revoke.run(now, by, id).changes === 1;
  }
}

function statusOf(row: KeyRow): ProviderKeyStatus {
  if (!isProviderKeyStatus(row.status)) throw new StoreError('STORE_CONFLICT', `provider key ${row.id} has an unknown status`);
  return row.status;
}

function toInfo(row: KeyRow): ProviderKeyInfo {
  return { verifierKey: row.verifier_key, keyId: row.key_id, createdAt: row.created_at, status: statusOf(row) };
}

function toRecord(row: KeyRow): ProviderKeyRecord {
  return {
    id: row.id,
    provider: row.provider,
    ...toInfo(row),
    approvedAt: row.approved_at,
    approvedBy: row.approved_by,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}
