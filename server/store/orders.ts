import { orderPhaseAt, type OrderPhase } from '../../shared/policy/order-terms.ts';
import { parseDetectionOrder, type DetectionOrder } from '../../shared/wire/order.ts';
import type { Db } from './database.ts';

/** Where an order stands at a given instant; `ended` wins over the time window. */
export type OrderStatus = OrderPhase;

export interface StoredOrder {
  /** The order's number at the Centre (1, 2, ...; the row id): its commitment leaves' version in the log (PROTOCOL 10.4). */
  readonly number: number;
  readonly order: DetectionOrder;
  /**
   * The issuing Member State (ISO 3166-1 alpha-2): the Centre's own record,
   * not part of the signed order providers receive. Null for an order
   * registered without one (all orders before the field existed).
   */
  readonly memberState: string | null;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly endedAt: number | null;
  readonly endedBy: string | null;
}

type OrderRow = {
  id: number;
  order_id: string;
  provider: string;
  issuing_authority: string;
  legal_reference: string;
  surfaces: string;
  targets: string;
  not_before: number;
  not_after: number;
  created_at: number;
  created_by: string;
  ended_at: number | null;
  ended_by: string | null;
  member_state: string | null;
};

const SELECT = 'SELECT o.*, a.name AS provider FROM orders o JOIN accounts a ON a.id = o.provider_id';

/** The order's phase now (shared/policy/order-terms.ts owns the window rule); once ended, always ended. */
export function orderStatus(stored: StoredOrder, now: number): OrderStatus {
  return stored.endedAt !== null ? 'ended' : orderPhaseAt(stored.order, now);
}

/**
 * Detection orders as the Centre registered them. Terms are fixed once
 * stored (a trigger refuses any other change); an order can be ended early,
 * once. Rows are read back through the wire guard, so what the Centre signs
 * is always a valid order.
 */
export class OrderStore {
  readonly #insert;
  readonly #get;
  readonly #end;
  readonly #page;
  readonly #live;

  constructor(db: Db) {
    this.#insert = db.prepare(
      `INSERT INTO orders (order_id, provider_id, issuing_authority, legal_reference, surfaces, targets, not_before, not_after, created_at, created_by, member_state)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#get = db.prepare<[string], OrderRow>(`${SELECT} WHERE o.order_id = ?`);
    this.#end = db.prepare('UPDATE orders SET ended_at = ?, ended_by = ? WHERE order_id = ? AND ended_at IS NULL');
    this.#page = db.prepare<[number, string | null, string | null, number], OrderRow>(
      `${SELECT} WHERE o.id > ? AND (? IS NULL OR a.name = ?) ORDER BY o.id LIMIT ?`,
    );
    this.#live = db.prepare<[number, number], OrderRow>(`${SELECT} WHERE o.provider_id = ? AND o.ended_at IS NULL AND o.not_after > ? ORDER BY o.id`);
  }

  /** Call inside a write transaction; a repeated orderId is a STORE_CONFLICT (UNIQUE). */
  insert(order: DetectionOrder, providerId: number, createdBy: string, now: number, memberState: string | null = null): StoredOrder {
    const { lastInsertRowid } = this.#insert.run(
      order.orderId,
      providerId,
      order.issuingAuthority,
      order.legalReference,
      JSON.stringify(order.surfaces),
      JSON.stringify(order.targets),
      order.notBefore,
      order.notAfter,
      now,
      createdBy,
      memberState,
    );
    return { number: Number(lastInsertRowid), order, memberState, createdAt: now, createdBy, endedAt: null, endedBy: null };
  }

  get(orderId: string): StoredOrder | undefined {
    const row = this.#get.get(orderId);
    return row === undefined ? undefined : toStored(row);
  }

  /** Ends a live order early; false when it does not exist or is already ended. */
  end(orderId: string, endedBy: string, now: number): boolean {
    return this.#end.run(now, endedBy, orderId).changes === 1;
  }

  /** Every order, oldest first, after the internal cursor `afterId`; optionally one provider's. */
  page(afterId: number, limit: number, provider?: string): { orders: StoredOrder[]; last: number | undefined } {
    const rows = this.#page.all(afterId, provider ?? null, provider ?? null, limit);
    return { orders: rows.map(toStored), last: rows[rows.length - 1]?.id };
  }

  /** What a provider may act on from `now`: not ended and not yet lapsed (scheduled ones included). */
  liveFor(providerId: number, now: number): DetectionOrder[] {
    return this.#live.all(providerId, now).map((row) => toStored(row).order);
  }
}

function toStored(row: OrderRow): StoredOrder {
  const order = parseDetectionOrder(
    {
      orderId: row.order_id,
      issuingAuthority: row.issuing_authority,
      legalReference: row.legal_reference,
      provider: row.provider,
      surfaces: JSON.parse(row.surfaces),
      targets: JSON.parse(row.targets),
      notBefore: row.not_before,
      notAfter: row.not_after,
    },
    `order ${row.order_id}`,
  );
  return { number: row.id, order, memberState: row.member_state, createdAt: row.created_at, createdBy: row.created_by, endedAt: row.ended_at, endedBy: row.ended_by };
}
