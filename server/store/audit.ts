import type { Db } from './database.ts';

export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly subject: string | null;
  readonly detail: unknown;
}

/**
 * The append-only record of every write (who, what, when). Callers record
 * inside the same transaction as the write itself, so the audit trail and
 * the data can never disagree. Secrets and hashes of content never go in.
 */
export class AuditLog {
  readonly #insert;
  readonly #page;

  constructor(db: Db) {
    this.#insert = db.prepare('INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)');
    this.#page = db.prepare<[number, number], { id: number; at: number; actor: string; action: string; subject: string | null; detail: string | null }>(
      'SELECT id, at, actor, action, subject, detail FROM audit WHERE id > ? ORDER BY id LIMIT ?',
    );
  }

  record(at: number, actor: string, action: string, subject: string | null, detail?: Record<string, unknown>): void {
    this.#insert.run(at, actor, action, subject, detail === undefined ? null : JSON.stringify(detail));
  }

  page(afterId: number, limit: number): AuditEntry[] {
    return this.#page.all(afterId, limit).map((r) => ({ ...r, detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown) }));
  }
}
