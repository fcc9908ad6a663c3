import { randomBytes } from 'node:crypto';
import {
  encodeOrderLeaf,
  endTermsBytes,
  orderCommitment,
  ORDER_SALT_BYTES,
  registrationTermsBytes,
  type OrderEndTerms,
  type OrderLeafKind,
} from '../../shared/wire/order-commitment.ts';
import type { AuditLog } from '../store/audit.ts';
import type { Db } from '../store/database.ts';
import type { OrderStore, StoredOrder } from '../store/orders.ts';
import type { TransparencyLog } from './transparency-log.ts';

export type CommitmentEvent = 'register' | 'end';

/** One logged commitment, as the Centre keeps it: the salt never leaves it but for an auditor. */
export interface OrderCommitmentRecord {
  readonly event: CommitmentEvent;
  readonly salt: Uint8Array;
  readonly commitment: Uint8Array;
  /** The end's reason it commits to (null for a registration, or an end without one). */
  readonly endReason: string | null;
  readonly logIndex: number;
  readonly committedAt: number;
}

export interface OrderCommitmentDeps {
  readonly db: Db;
  readonly log: TransparencyLog;
  readonly orders: OrderStore;
  readonly audit: AuditLog;
  /** Signs the checkpoint of the grown log and a timestamp naming it (Publisher.refreshTimestamp), so that a sidecar's 9.3 step 6a holds. */
  readonly sealLog: (now: number) => void;
  /** Default: the operating system's CSPRNG; injected only to make a test's commitment a fixed vector. */
  readonly salt?: () => Uint8Array;
}

type CommitmentRow = { event: CommitmentEvent; salt: Buffer; commitment: Buffer; end_reason: string | null; log_index: number; committed_at: number };

const LEAF_KIND: Record<CommitmentEvent, OrderLeafKind> = { register: 'order', end: 'order-end' };
const BACKFILL_PAGE = 500;

/**
 * Order commitments in the public log (docs/PROTOCOL.md 10.4): each
 * registration and each early end appends a leaf that commits to the terms
 * under a random salt, in the caller's write transaction, then the log is
 * sealed afresh (checkpoint and timestamp). The public learns that order N
 * exists, and when it was logged and ended; an auditor, given terms and
 * salt, recomputes the leaf.
 */
export class OrderCommitments {
  readonly #deps: OrderCommitmentDeps;
  readonly #insert;
  readonly #of;
  readonly #missing;
  readonly #endReason;

  constructor(deps: OrderCommitmentDeps) {
    this.#deps = deps;
    const { db } = deps;
    this.#insert = db.prepare('INSERT INTO order_commitments (order_id, event, salt, commitment, end_reason, log_index, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#of = db.prepare<[number], CommitmentRow>('SELECT event, salt, commitment, end_reason, log_index, committed_at FROM order_commitments WHERE order_id = ?');
    this.#missing = db.prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_commitments c WHERE c.order_id = o.id AND c.event = 'register')
         OR (o.ended_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM order_commitments c WHERE c.order_id = o.id AND c.event = 'end'))`,
    );
    // Before commitments, an end's reason lived only in the audit trail.
    this.#endReason = db.prepare<[string], { reason: unknown }>(
      "SELECT json_extract(detail, '$.reason') AS reason FROM audit WHERE action = 'order.end' AND subject = ? ORDER BY id DESC LIMIT 1",
    );
  }

  /** Commits a registration; call inside the write transaction that inserted the order. */
  register(stored: StoredOrder, now: number): OrderCommitmentRecord {
    const record = this.#append(stored.number, 'register', registrationTermsBytes(stored), null, now);
    this.#deps.sealLog(now);
    return record;
  }

  /** Commits an early end; call inside the write transaction that ended the order. */
  end(stored: StoredOrder, terms: OrderEndTerms, now: number): OrderCommitmentRecord {
    const record = this.#append(stored.number, 'end', endTermsBytes(terms), terms.reason, now);
    this.#deps.sealLog(now);
    return record;
  }

  /** The order's commitments by event. */
  of(orderNumber: number): Partial<Record<CommitmentEvent, OrderCommitmentRecord>> {
    const found: Partial<Record<CommitmentEvent, OrderCommitmentRecord>> = {};
    for (const row of this.#of.all(orderNumber)) {
      found[row.event] = {
        event: row.event,
        salt: new Uint8Array(row.salt),
        commitment: new Uint8Array(row.commitment),
        endReason: row.end_reason,
        logIndex: row.log_index,
        committedAt: row.committed_at,
      };
    }
    return found;
  }

  /**
   * Orders registered (or ended) before commitments existed get theirs now,
   * once, logged at `now`: later than the registration, which their terms
   * still state. Writes only when an order lacks one, so that opening an
   * up-to-date Centre stays read-only.
   */
  backfill(now: number): number {
    if ((this.#missing.get()?.n ?? 0) === 0) return 0;
    const { db, orders, audit } = this.#deps;
    let appended = 0;
    const appendAll = db.transaction(() => {
      for (let after = 0, page = orders.page(0, BACKFILL_PAGE); page.orders.length > 0; page = orders.page(after, BACKFILL_PAGE)) {
        for (const stored of page.orders) {
          const held = this.of(stored.number);
          if (held.register === undefined) {
            this.#append(stored.number, 'register', registrationTermsBytes(stored), null, now);
            appended++;
          }
          if (stored.endedAt !== null && held.end === undefined) {
            const reason = this.#endReason.get(`order:${stored.order.orderId}`)?.reason;
            const endReason = typeof reason === 'string' ? reason : null;
            this.#append(stored.number, 'end', endTermsBytes({ orderId: stored.order.orderId, endedAt: stored.endedAt, reason: endReason }), endReason, now);
            appended++;
          }
        }
        after = page.last ?? after;
      }
      audit.record(now, 'migration', 'order.commit', null, { appended, reason: 'orders registered before order commitments' });
      this.#deps.sealLog(now);
    });
    try {
      appendAll.immediate();
    } catch (err) {
      // No uncommitted leaf may linger in the tree's cache.
      this.#deps.log.discardCache();
      throw err;
    }
    return appended;
  }

  #append(orderNumber: number, event: CommitmentEvent, termsBytes: Uint8Array, endReason: string | null, now: number): OrderCommitmentRecord {
    const salt = this.#deps.salt?.() ?? new Uint8Array(randomBytes(ORDER_SALT_BYTES));
    const commitment = orderCommitment(salt, termsBytes);
    const kind = LEAF_KIND[event];
    const logIndex = this.#deps.log.append(kind, orderNumber, encodeOrderLeaf({ kind, orderNumber, committedAt: now, commitment }), now);
    this.#insert.run(orderNumber, event, salt, commitment, endReason, logIndex, now);
    return { event, salt, commitment, endReason, logIndex, committedAt: now };
  }
}
