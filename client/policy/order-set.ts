import type Database from 'better-sqlite3';
import { OrderTerms } from '../../shared/policy/order-terms.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { decodeOrderList, type DetectionOrder, type OrderList } from '../../shared/wire/order.ts';
import type { SubjectRef } from '../../shared/wire/subject.ts';
import { DEFAULT_MAX_CLOCK_SKEW_MS, isFromFuture } from '../replica/trusted-state.ts';
import { PolicyError } from './errors.ts';

type Db = Database.Database;
type ListRow = { provider: string; issued_at: number; envelope: Buffer; payload: Buffer; accepted_at: number };

/**
 * The verified detection orders this sidecar acts on: the last order list
 * it accepted from the Centre, in memory for decisions and in the replica
 * database (table `order_list`, one row) so that a restart keeps them.
 * Versions only go up: a list issued before the current one is a rollback
 * (STYLE 6); one issued at the same instant changes nothing; one issued
 * ahead of the local clock is refused.
 */
export class OrderSet {
  readonly provider: string;
  /** A list issued further ahead of the local clock than this is refused (ORDERS_FROM_FUTURE), and a held one counts as stale. */
  readonly maxClockSkewMs: number;
  readonly #save;
  readonly #forget;
  #list: OrderList | undefined;
  #envelope: Uint8Array | undefined;
  #terms: readonly OrderTerms[] = [];

  /**
   * Loads the persisted list for `provider`. A list persisted for another
   * provider (the sidecar was reconfigured) is ignored: no orders until the
   * next fetch.
   */
  constructor(db: Db, provider: string, options: { readonly maxClockSkewMs?: number } = {}) {
    this.provider = provider;
    this.maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    this.#save = db.prepare(
      `INSERT INTO order_list (id, provider, issued_at, envelope, payload, accepted_at) VALUES (1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, issued_at = excluded.issued_at, envelope = excluded.envelope,
         payload = excluded.payload, accepted_at = excluded.accepted_at`,
    );
    this.#forget = db.prepare('DELETE FROM order_list WHERE id = 1');
    const row = db.prepare<[], ListRow>('SELECT provider, issued_at, envelope, payload, accepted_at FROM order_list WHERE id = 1').get();
    if (row !== undefined && row.provider === provider) {
      // Verified when accepted; the guard runs again so that a damaged row cannot widen what is
      // allowed. A row that fails it is dropped: no orders (fail closed) until the next fetch.
      try {
        this.#use(decodeOrderList(new Uint8Array(row.payload)));
        this.#envelope = new Uint8Array(row.envelope);
      } catch (cause) {
        if (!(cause instanceof WireError)) throw cause;
      }
    }
  }

  /** When the current list was issued (ms), undefined before the first accepted list. */
  get issuedAt(): number | undefined {
    return this.#list?.issuedAt;
  }

  get orders(): readonly DetectionOrder[] {
    return this.#list?.orders ?? [];
  }

  /**
   * Called by the trusted store only (TrustedStore.acceptOrderList, the one
   * owner of trust decisions), once the envelope verified under a
   * `provider-list` key: the held list's own rules, PROTOCOL 10.3 steps 4
   * to 6. Takes a verified list and
   * persists it with its envelope before using it. Returns false when it is
   * the list already held (same issuedAt). Throws ORDERS_WRONG_PROVIDER for
   * another provider's list, ORDERS_FROM_FUTURE for one issued ahead of the
   * local clock, ORDERS_ROLLBACK for an older one.
   */
  accept(list: OrderList, envelope: Uint8Array, payload: Uint8Array, now: number): boolean {
    if (list.provider !== this.provider) {
      throw new PolicyError('ORDERS_WRONG_PROVIDER', `the order list is for '${list.provider}', this sidecar is '${this.provider}'`);
    }
    // PROTOCOL 10.3 step 5a: taken, such a list would make every correct one a rollback, and an order ended early would keep authorising scans.
    if (isFromFuture(list.issuedAt, now, this.maxClockSkewMs)) {
      const seconds = Math.round((list.issuedAt - now) / 1000);
      throw new PolicyError('ORDERS_FROM_FUTURE', `the order list was issued ${seconds} s ahead of this sidecar's clock (at most ${Math.round(this.maxClockSkewMs / 1000)} s allowed): the Centre's clock or this one is wrong`);
    }
    // PROTOCOL 10.3 step 5b. A held list from the future (taken before step 5a existed, or the local clock stepped back) guards nothing.
    const current = this.#list?.issuedAt;
    if (current !== undefined && list.issuedAt < current && !isFromFuture(current, now, this.maxClockSkewMs)) {
      throw new PolicyError('ORDERS_ROLLBACK', `the order list was issued at ${list.issuedAt}, before the one held (${current})`);
    }
    if (current !== undefined && list.issuedAt === current) return false;
    this.#save.run(list.provider, list.issuedAt, envelope, payload, now);
    this.#use(list);
    this.#envelope = envelope;
    return true;
  }

  /** The envelope the held list came in (for the trusted store to judge its signer again), undefined when none is held. */
  get heldEnvelope(): Uint8Array | undefined {
    return this.#envelope;
  }

  /**
   * Called by the trusted store only (TrustedStore.checkHeldOrderList): the
   * held list's signer is no longer trusted, so no order authorises
   * anything until the next list is accepted (fail closed, restarts too).
   * Its issuedAt stays the floor against rollback.
   */
  dropOrders(): void {
    const list = this.#list;
    if (list === undefined) return;
    this.#forget.run();
    this.#use({ ...list, orders: [] });
    this.#envelope = undefined;
  }

  /** Orders naming `surfaceId` and `subject`, whatever their time window. */
  covering(surfaceId: string, subject: SubjectRef): DetectionOrder[] {
    return this.naming(surfaceId, subject).map((terms) => terms.order);
  }

  /** The terms of the orders naming `surfaceId` and `subject`, for a decision at a given time (OrderTerms.phaseAt). */
  naming(surfaceId: string, subject: SubjectRef): OrderTerms[] {
    return this.#terms.filter((terms) => terms.names(surfaceId, subject));
  }

  #use(list: OrderList): void {
    this.#list = list;
    // Never ended as far as the sidecar knows: an order the Centre ends drops off the next list.
    this.#terms = list.orders.map((order) => new OrderTerms(order));
  }
}
