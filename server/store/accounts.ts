import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './database.ts';
import { StoreError } from './errors.ts';
import { isMemberState } from './member-states.ts';

/**
 * Who may call what (docs/API.md, "Roles"). A reviewer decides on reports;
 * europol receives every forwarded report (server/review/routing.ts); an
 * auditor reads orders with their salts and reports, and can write nothing.
 */
export const ROLES = ['admin', 'authority', 'operator', 'provider', 'reviewer', 'europol', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Account names double as authority codes (DE-BKA) and provider names. */
export const ACCOUNT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface Account {
  readonly id: number;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly disabledAt: number | null;
  /**
   * The ISO 3166-1 alpha-2 code of an authority's Member State: forwarded
   * reports are routed by it. Null for every other role, and for an
   * authority created before the field existed until it is set.
   */
  readonly memberState: string | null;
}

export interface TokenInfo {
  readonly id: number;
  readonly accountId: number;
  readonly label: string | null;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface Principal {
  readonly account: Account;
  readonly tokenId: number;
}

const TOKEN_PREFIX = 'hf_';

/** Tokens are stored as SHA-256 of the secret: a stolen database yields no usable token. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

type AccountRow = { id: number; name: string; role: string; created_at: number; disabled_at: number | null; member_state: string | null };

function toAccount(row: AccountRow): Account {
  if (!isRole(row.role)) throw new StoreError('STORE_CONFLICT', `account ${row.id} has an unknown role`);
  return { id: row.id, name: row.name, role: row.role, createdAt: row.created_at, disabledAt: row.disabled_at, memberState: row.member_state };
}

export class AccountStore {
  readonly #byName;
  readonly #byId;
  readonly #insertAccount;
  readonly #setMemberState;
  readonly #authoritiesOf;
  readonly #ofRole;
  readonly #insertToken;
  readonly #principal;
  readonly #principalOfTokenId;
  readonly #revoke;
  readonly #tokensOf;
  readonly #list;

  constructor(db: Db) {
    this.#byName = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE name = ?');
    this.#byId = db.prepare<[number], AccountRow>('SELECT * FROM accounts WHERE id = ?');
    this.#insertAccount = db.prepare('INSERT INTO accounts (name, role, created_at, member_state) VALUES (?, ?, ?, ?)');
    this.#setMemberState = db.prepare("UPDATE accounts SET member_state = ? WHERE id = ? AND role = 'authority' AND member_state IS NULL");
    this.#authoritiesOf = db.prepare<[string], AccountRow>(
      "SELECT * FROM accounts WHERE role = 'authority' AND member_state = ? AND disabled_at IS NULL ORDER BY id",
    );
    this.#ofRole = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE role = ? AND disabled_at IS NULL ORDER BY id');
    this.#insertToken = db.prepare('INSERT INTO tokens (account_id, token_hash, label, created_at) VALUES (?, ?, ?, ?)');
    this.#principal = db.prepare<[Buffer], AccountRow & { token_id: number }>(
      `SELECT a.*, t.id AS token_id FROM tokens t JOIN accounts a ON a.id = t.account_id
       WHERE t.token_hash = ? AND t.revoked_at IS NULL AND a.disabled_at IS NULL`,
    );
    this.#principalOfTokenId = db.prepare<[number], AccountRow & { token_id: number }>(
      `SELECT a.*, t.id AS token_id FROM tokens t JOIN accounts a ON a.id = t.account_id
       WHERE t.id = ? AND t.revoked_at IS NULL AND a.disabled_at IS NULL`,
    );
    this.#revoke = db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.#tokensOf = db.prepare<[number], { id: number; account_id: number; label: string | null; created_at: number; revoked_at: number | null }>(
      'SELECT id, account_id, label, created_at, revoked_at FROM tokens WHERE account_id = ? ORDER BY id',
    );
    this.#list = db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY id');
  }

  byName(name: string): Account | undefined {
    const row = this.#byName.get(name);
    return row === undefined ? undefined : toAccount(row);
  }

  byId(id: number): Account | undefined {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : toAccount(row);
  }

  list(): Account[] {
    return this.#list.all().map(toAccount);
  }

  /**
   * Creates the account, or returns the existing one when name and role
   * agree. Only an authority has a Member State; an existing authority
   * without one gets it here, once (a different one is a conflict). The
   * callers an operator uses (CLI, POST /v1/accounts) require it for an
   * authority. Call inside a transaction.
   */
  ensure(name: string, role: Role, now: number, memberState: string | null = null): { account: Account; created: boolean } {
    if (memberState !== null && (role !== 'authority' || !isMemberState(memberState))) {
      throw new StoreError('STORE_CONFLICT', 'only an authority has a Member State, an ISO 3166-1 alpha-2 code');
    }
    const existing = this.byName(name);
    if (existing !== undefined) {
      if (existing.role !== role) {
        throw new StoreError('STORE_CONFLICT', `account '${name}' exists with role ${existing.role}, not ${role}`);
      }
      if (memberState === null || existing.memberState === memberState) return { account: existing, created: false };
      if (existing.memberState !== null) {
        throw new StoreError('STORE_CONFLICT', `account '${name}' belongs to Member State ${existing.memberState}, not ${memberState}`);
      }
      this.#setMemberState.run(memberState, existing.id);
      return { account: { ...existing, memberState }, created: false };
    }
    const id = Number(this.#insertAccount.run(name, role, now, memberState).lastInsertRowid);
    return { account: { id, name, role, createdAt: now, disabledAt: null, memberState }, created: true };
  }

  /** The enabled authority accounts of a Member State (routing's recipients). */
  authoritiesOf(memberState: string): Account[] {
    return this.#authoritiesOf.all(memberState).map(toAccount);
  }

  /** The enabled accounts of one role, oldest first. */
  withRole(role: Role): Account[] {
    return this.#ofRole.all(role).map(toAccount);
  }

  /** Issues a new random token for the account; the secret is returned once and only its hash is kept. */
  issueToken(accountId: number, label: string | null, now: number): { token: string; tokenId: number } {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const tokenId = Number(this.#insertToken.run(accountId, hashToken(token), label, now).lastInsertRowid);
    return { token, tokenId };
  }

  /** The live account behind a bearer token, if the token is known, unrevoked and its account enabled. */
  authenticate(token: string): Principal | undefined {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) return undefined;
    const row = this.#principal.get(hashToken(token));
    if (row === undefined) return undefined;
    return { account: toAccount(row), tokenId: row.token_id };
  }

  /** The live account behind a token id (a console session signed in with it): undefined once the token is revoked or the account disabled. */
  liveToken(tokenId: number): Principal | undefined {
    const row = this.#principalOfTokenId.get(tokenId);
    return row === undefined ? undefined : { account: toAccount(row), tokenId: row.token_id };
  }

  revokeToken(tokenId: number, now: number): boolean {
    return this.#revoke.run(now, tokenId).changes === 1;
  }

  tokensOf(accountId: number): TokenInfo[] {
    return this.#tokensOf.all(accountId).map((r) => ({ id: r.id, accountId: r.account_id, label: r.label, createdAt: r.created_at, revokedAt: r.revoked_at }));
  }
}
