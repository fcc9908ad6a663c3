import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './database.ts';

/** One-time console sign-in codes start with this, so the sign-in form tells them from account tokens. */
export const SIGN_IN_CODE_PREFIX = 'hfc_';
/** How long a code stays usable unless the issuer says otherwise. */
export const DEFAULT_SIGN_IN_CODE_MINUTES = 15;
export const MAX_SIGN_IN_CODE_MINUTES = 24 * 60;

const hashOf = (code: string): Buffer => createHash('sha256').update(code, 'utf8').digest();

/**
 * One-time console sign-in codes (docs/CONSOLE.md, "Signing in"): an admin
 * hands a person a code that signs them in once, within minutes, instead of
 * an API token that works everywhere until revoked. Stored as SHA-256 only;
 * redeeming marks it used in the same statement that checks it, so two
 * browsers racing with one code get one session.
 */
export class SignInCodeStore {
  readonly #insert;
  readonly #redeem;

  constructor(db: Db) {
    this.#insert = db.prepare('INSERT INTO console_sign_in_codes (code_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
    this.#redeem = db.prepare<[{ now: number; hash: Buffer }], { account_id: number }>(
      `UPDATE console_sign_in_codes SET used_at = @now
       WHERE code_hash = @hash AND used_at IS NULL AND expires_at > @now AND created_at <= @now
       RETURNING account_id`,
    );
  }

  issue(accountId: number, now: number, minutes = DEFAULT_SIGN_IN_CODE_MINUTES): { code: string; expiresAt: number } {
    const code = SIGN_IN_CODE_PREFIX + randomBytes(24).toString('base64url');
    const expiresAt = now + Math.min(Math.max(1, minutes), MAX_SIGN_IN_CODE_MINUTES) * 60_000;
    this.#insert.run(hashOf(code), accountId, now, expiresAt);
    return { code, expiresAt };
  }

  /** The account a live, unused code was issued for, marking it used; undefined otherwise. Call inside a write. */
  redeem(code: string, now: number): number | undefined {
    if (!code.startsWith(SIGN_IN_CODE_PREFIX) || code.length > 128) return undefined;
    return this.#redeem.get({ now, hash: hashOf(code) })?.account_id;
  }
}
