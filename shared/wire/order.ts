import { decodeMsgpack, encodeMsgpack } from './codec.ts';
import { WireError } from './errors.ts';
import { array, exactRecord, str, timestampMs } from './guards.ts';
import { subjectId, type SubjectRef } from './subject.ts';

export const ORDERS_PAYLOAD_TYPE = 'hashfeed/orders/v1';

/** Provider names are Centre account names (server/store/accounts.ts keeps the same pattern). */
export const PROVIDER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Order ids appear in URLs (`/v1/orders/{orderId}/end`), so no '/' and no escaping. */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** A surface is a part of a provider's service (`public-posts`, `dm-unencrypted`), named in its sidecar config. */
export const SURFACE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Names and references as written by courts: any printable Unicode, no control characters, no outer white space. */
export const LEGAL_TEXT_PATTERN = /^[^\p{C}\s](?:[^\p{C}]*[^\p{C}\s])?$/u;

export const MAX_ORDER_SURFACES = 64;
/** Targets per order, all three lists together: an order is targeted, never a whole service. */
export const MAX_ORDER_TARGETS = 10_000;
export const MAX_ORDERS_PER_LIST = 1000;
/**
 * The longest window an order may span: 24 months (the Commission's proposal
 * for the regulation, Art. 7(9), for orders on known material), rounded up
 * to 731 days so that a window over a leap day fits.
 */
export const MAX_ORDER_DURATION_MS = 731 * 86_400_000;
/** Cap on a decoded order-list payload (the envelope adds a few hundred bytes). */
export const MAX_ORDER_LIST_BYTES = 16 * 1024 * 1024;

export interface OrderTargets {
  readonly users: readonly string[];
  readonly groups: readonly string[];
  readonly channels: readonly string[];
}

/**
 * A detection order as validated by a court and registered by the Centre:
 * which provider may scan, on which surfaces, whose content, and when
 * (docs/PROTOCOL.md, "Detection orders"). `notBefore` is inclusive,
 * `notAfter` exclusive: at `notAfter` the order has lapsed.
 */
export interface DetectionOrder {
  readonly orderId: string;
  readonly issuingAuthority: string;
  readonly legalReference: string;
  readonly provider: string;
  readonly surfaces: readonly string[];
  readonly targets: OrderTargets;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** The signed list `GET /v1/feed/orders` serves: the calling provider's live orders at `issuedAt`. */
export interface OrderList {
  readonly provider: string;
  readonly issuedAt: number;
  readonly orders: readonly DetectionOrder[];
}

const ORDER_FIELDS = ['orderId', 'issuingAuthority', 'legalReference', 'provider', 'surfaces', 'targets', 'notBefore', 'notAfter'];
const TARGET_FIELDS = ['users', 'groups', 'channels'];
const LIST_FIELDS = ['provider', 'issuedAt', 'orders'];

/** The guard: `value` must be exactly a detection order (decoded msgpack or parsed JSON). */
export function parseDetectionOrder(value: unknown, what = 'order'): DetectionOrder {
  const f = exactRecord(value, what, ORDER_FIELDS);
  const surfaces = distinct(array(f.surfaces, `${what}.surfaces`, MAX_ORDER_SURFACES).map((s, i) => str(s, `${what}.surfaces[${i}]`, 64, SURFACE_ID_PATTERN)), `${what}.surfaces`);
  if (surfaces.length === 0) throw new WireError('WIRE_BAD_FIELD', `${what}.surfaces must name at least one surface`);
  const targets = parseTargets(f.targets, `${what}.targets`);
  const notBefore = timestampMs(f.notBefore, `${what}.notBefore`);
  const notAfter = timestampMs(f.notAfter, `${what}.notAfter`);
  if (notAfter <= notBefore) throw new WireError('WIRE_BAD_FIELD', `${what}.notAfter must be after ${what}.notBefore`);
  if (notAfter - notBefore > MAX_ORDER_DURATION_MS) throw new WireError('WIRE_BAD_FIELD', `${what} spans more than ${MAX_ORDER_DURATION_MS / 86_400_000} days`);
  return {
    orderId: str(f.orderId, `${what}.orderId`, 128, ORDER_ID_PATTERN),
    issuingAuthority: str(f.issuingAuthority, `${what}.issuingAuthority`, 256, LEGAL_TEXT_PATTERN),
    legalReference: str(f.legalReference, `${what}.legalReference`, 256, LEGAL_TEXT_PATTERN),
    provider: str(f.provider, `${what}.provider`, 64, PROVIDER_NAME_PATTERN),
    surfaces,
    targets,
    notBefore,
    notAfter,
  };
}

function parseTargets(value: unknown, what: string): OrderTargets {
  const f = exactRecord(value, what, TARGET_FIELDS);
  const list = (key: string, raw: unknown): readonly string[] =>
    distinct(array(raw, `${what}.${key}`, MAX_ORDER_TARGETS).map((id, i) => subjectId(id, `${what}.${key}[${i}]`)), `${what}.${key}`);
  const targets = { users: list('users', f.users), groups: list('groups', f.groups), channels: list('channels', f.channels) };
  const total = targets.users.length + targets.groups.length + targets.channels.length;
  if (total === 0) throw new WireError('WIRE_BAD_FIELD', `${what} must name at least one user, group or channel`);
  if (total > MAX_ORDER_TARGETS) throw new WireError('WIRE_BAD_FIELD', `${what} names more than ${MAX_ORDER_TARGETS} subjects`);
  return targets;
}

function distinct(items: readonly string[], what: string): readonly string[] {
  if (new Set(items).size !== items.length) throw new WireError('WIRE_BAD_FIELD', `${what} has repeated entries`);
  return items;
}

/** The plain form (msgpack payload and JSON body alike): exactly the model's fields, in a fixed order. */
export function detectionOrderFields(order: DetectionOrder): Record<string, unknown> {
  return {
    orderId: order.orderId,
    issuingAuthority: order.issuingAuthority,
    legalReference: order.legalReference,
    provider: order.provider,
    surfaces: [...order.surfaces],
    targets: { users: [...order.targets.users], groups: [...order.targets.groups], channels: [...order.targets.channels] },
    notBefore: order.notBefore,
    notAfter: order.notAfter,
  };
}

export function encodeOrderList(list: OrderList): Uint8Array {
  return encodeMsgpack({ provider: list.provider, issuedAt: list.issuedAt, orders: list.orders.map(detectionOrderFields) });
}

/** Decodes an order-list payload whose envelope has already been verified. */
export function decodeOrderList(payload: Uint8Array, maxBytes = MAX_ORDER_LIST_BYTES): OrderList {
  return parseOrderList(decodeMsgpack(payload, maxBytes));
}

export function parseOrderList(value: unknown): OrderList {
  const f = exactRecord(value, 'order list', LIST_FIELDS);
  const provider = str(f.provider, 'orders.provider', 64, PROVIDER_NAME_PATTERN);
  const orders = array(f.orders, 'orders.orders', MAX_ORDERS_PER_LIST).map((o, i) => parseDetectionOrder(o, `orders.orders[${i}]`));
  orders.forEach((order, i) => {
    // A list is scoped to one provider: an order for another never rides along.
    if (order.provider !== provider) throw new WireError('WIRE_BAD_FIELD', `orders.orders[${i}] is for another provider than the list`);
  });
  distinct(orders.map((o) => o.orderId), 'orders.orders (order ids)');
  return { provider, issuedAt: timestampMs(f.issuedAt, 'orders.issuedAt'), orders };
}

/** The target list an order keeps for a subject's kind. */
export function targetsOfKind(targets: OrderTargets, kind: SubjectRef['kind']): readonly string[] {
  switch (kind) {
    case 'user':
      return targets.users;
    case 'group':
      return targets.groups;
    case 'channel':
      return targets.channels;
  }
}

/** True when the order names `subject` among its targets (surface and time are the caller's to check). */
export function orderTargets(order: DetectionOrder, subject: SubjectRef): boolean {
  return targetsOfKind(order.targets, subject.kind).includes(subject.id);
}
