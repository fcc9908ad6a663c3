import type { Db } from '../store/database.ts';
import type { Entitlement } from './entitlement.ts';

/**
 * The access log (Commission proposal, Art. 46(6)): every `grant` (a
 * provider becomes entitled), `end` (it no longer is), `wrap` (an epoch key
 * wrapped for one of its encryption keys) and `fetch` (an access list
 * served), each with the basis that justified it (an order id or
 * `account`) or the reason of a refusal. Append-only.
 */
export const ACCESS_EVENTS = ['grant', 'end', 'wrap', 'fetch'] as const;
export type AccessEvent = (typeof ACCESS_EVENTS)[number];

export interface AccessLogEntry {
  readonly id: number;
  readonly at: number;
  readonly provider: string;
  readonly event: AccessEvent;
  readonly basis: string | null;
  readonly reason: string | null;
  /** wrap: the epoch wrapped. */
  readonly epoch: number | null;
  /** wrap: the encryption key's ID. */
  readonly recipient: string | null;
  /** fetch: the epochs whose keys the list carried. */
  readonly epochs: readonly number[] | null;
}

type Row = { id: number; at: number; provider: string; event: string; basis: string | null; reason: string | null; epoch: number | null; recipient: string | null; epochs: string | null };

export interface AccessLogFilter {
  readonly provider?: string | undefined;
  readonly event?: AccessEvent | undefined;
  readonly since?: number | undefined;
  readonly afterId: number;
  readonly limit: number;
}

export class AccessLogStore {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      insert: db.prepare('INSERT INTO access_log (at, provider_id, event, basis, reason, epoch, recipient, epochs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      lastGrantOrEnd: db.prepare<[number], { event: string }>("SELECT event FROM access_log WHERE provider_id = ? AND event IN ('grant', 'end') ORDER BY id DESC LIMIT 1"),
      openGrants: db.prepare<[], { provider_id: number }>(
        `SELECT l.provider_id FROM access_log l
         WHERE l.id IN (SELECT max(id) FROM access_log WHERE event IN ('grant', 'end') GROUP BY provider_id) AND l.event = 'grant'`,
      ),
      page: db.prepare<[{ provider: string | null; event: string | null; since: number; afterId: number; limit: number }], Row>(
        `SELECT l.id, l.at, a.name AS provider, l.event, l.basis, l.reason, l.epoch, l.recipient, l.epochs
         FROM access_log l JOIN accounts a ON a.id = l.provider_id
         WHERE (@provider IS NULL OR a.name = @provider) AND (@event IS NULL OR l.event = @event) AND l.at >= @since AND l.id > @afterId
         ORDER BY l.id LIMIT @limit`,
      ),
    };
  }

  /**
   * Records a grant when `entitlement` finds the provider entitled without an
   * open grant, an end when it finds it no longer entitled with one. Call
   * inside a write transaction.
   */
  evaluate(providerId: number, entitlement: Entitlement, now: number): void {
    const open = this.#statements.lastGrantOrEnd.get(providerId)?.event === 'grant';
    if (entitlement.entitled && !open) this.#statements.insert.run(now, providerId, 'grant', entitlement.basis, null, null, null, null);
    if (!entitlement.entitled && open) this.#statements.insert.run(now, providerId, 'end', null, entitlement.reason, null, null, null);
  }

  /** Providers whose latest grant has no end yet. */
  openGrants(): number[] {
    return this.#statements.openGrants.all().map((r) => r.provider_id);
  }

  wrap(providerId: number, epoch: number, recipient: string, basis: string, now: number): void {
    this.#statements.insert.run(now, providerId, 'wrap', basis, null, epoch, recipient, null);
  }

  /** An access list served: with its basis and the epochs it carried, or the reason it carried none. */
  fetch(providerId: number, outcome: { basis?: string | undefined; reason?: string | undefined; epochs: readonly number[] }, now: number): void {
    this.#statements.insert.run(now, providerId, 'fetch', outcome.basis ?? null, outcome.reason ?? null, null, null, JSON.stringify(outcome.epochs));
  }

  page(filter: AccessLogFilter): AccessLogEntry[] {
    return this.#statements.page
      .all({ provider: filter.provider ?? null, event: filter.event ?? null, since: filter.since ?? 0, afterId: filter.afterId, limit: filter.limit })
      .map(toEntry);
  }
}

function toEntry(row: Row): AccessLogEntry {
  const event = ACCESS_EVENTS.find((e) => e === row.event) ?? 'fetch';
  const epochs: unknown = row.epochs === null ? null : JSON.parse(row.epochs);
  return {
    id: row.id,
    at: row.at,
    provider: row.provider,
    event,
    basis: row.basis,
    reason: row.reason,
    epoch: row.epoch,
    recipient: row.recipient,
    epochs: Array.isArray(epochs) ? epochs.filter((e): e is number => typeof e === 'number') : null,
  };
}
