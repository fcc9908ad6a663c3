import { createHash } from 'node:crypto';
import type { DetectionOrder } from './order.ts';
import { WireError } from './errors.ts';

/**
 * Order commitments (docs/PROTOCOL.md 10.4): what the public transparency log
 * holds for each registered detection order and each early end. The
 * commitment hides the order's terms behind a 32-byte salt the Centre keeps;
 * an auditor given the terms and the salt recomputes it, and the leaf it is
 * logged in. Both encodings are canonical by construction (length-prefixed
 * fields, sorted lists), since msgpack is not (PROTOCOL 1) and an auditor
 * rebuilds these bytes rather than receiving them.
 */

export const ORDER_COMMITMENT_DOMAIN = 'hashfeed-order-commit-v1';
export const ORDER_LEAF_DOMAIN = 'hashfeed-order-leaf-v1';
export const ORDER_SALT_BYTES = 32;

/** The log leaf kinds of order commitments: a registration, and an early end. */
export type OrderLeafKind = 'order' | 'order-end';

/** What a registration commits to: the order as the Centre registered it, with its issuing Member State. */
export interface OrderRegistrationTerms {
  readonly order: DetectionOrder;
  readonly memberState: string | null;
}

/** What an early end commits to. */
export interface OrderEndTerms {
  readonly orderId: string;
  readonly endedAt: number;
  readonly reason: string | null;
}

export interface OrderLeaf {
  readonly kind: OrderLeafKind;
  /** The order's number at the Centre (1, 2, ...): the leaf's version in the log listing. */
  readonly orderNumber: number;
  /** When the log recorded it, ms: the leaf's `appendedAt`. */
  readonly committedAt: number;
  readonly commitment: Uint8Array;
}

const LF = Buffer.from('\n');

/** decimal(len(x)) SP x LF: a field whose end is known before it is read. */
function field(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([Buffer.from(`${bytes.byteLength} `), bytes, LF]);
}

/** decimal(count) LF, then each entry as a field, in byte order (ids are ASCII, so code-unit order is byte order). */
function list(values: readonly string[]): Buffer {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.concat([Buffer.from(`${sorted.length}\n`), ...sorted.map(field)]);
}

function decimal(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new WireError('WIRE_BAD_FIELD', `${what} must be a non-negative safe integer`);
  return String(value);
}

/** The canonical bytes of a registration's terms (PROTOCOL 10.4). */
export function registrationTermsBytes(terms: OrderRegistrationTerms): Uint8Array {
  const { order } = terms;
  return Buffer.concat([
    field('register'),
    field(order.orderId),
    field(order.provider),
    field(order.issuingAuthority),
    field(order.legalReference),
    field(terms.memberState ?? ''),
    list(order.surfaces),
    list(order.targets.users),
    list(order.targets.groups),
    list(order.targets.channels),
    field(decimal(order.notBefore, 'notBefore')),
    field(decimal(order.notAfter, 'notAfter')),
  ]);
}

/** The canonical bytes of an early end's terms (PROTOCOL 10.4). */
export function endTermsBytes(terms: OrderEndTerms): Uint8Array {
  return Buffer.concat([field('end'), field(terms.orderId), field(decimal(terms.endedAt, 'endedAt')), field(terms.reason ?? '')]);
}

/** SHA-256("hashfeed-order-commit-v1" || LF || salt || terms). */
export function orderCommitment(salt: Uint8Array, termsBytes: Uint8Array): Uint8Array {
  if (salt.byteLength !== ORDER_SALT_BYTES) throw new WireError('WIRE_BAD_FIELD', `an order commitment's salt must be ${ORDER_SALT_BYTES} bytes`);
  return new Uint8Array(createHash('sha256').update(ORDER_COMMITMENT_DOMAIN).update(LF).update(salt).update(termsBytes).digest());
}

/**
 * The log leaf's bytes: "hashfeed-order-leaf-v1" LF kind LF decimal(orderNumber)
 * LF decimal(committedAt) LF commitment. They begin with ASCII 'h', never with a
 * msgpack map, so no envelope leaf (8.6) has the same bytes.
 */
export function encodeOrderLeaf(leaf: OrderLeaf): Uint8Array {
  if (leaf.commitment.byteLength !== 32) throw new WireError('WIRE_BAD_FIELD', 'an order commitment must be 32 bytes');
  const head = `${ORDER_LEAF_DOMAIN}\n${leaf.kind}\n${decimal(leaf.orderNumber, 'orderNumber')}\n${decimal(leaf.committedAt, 'committedAt')}\n`;
  return new Uint8Array(Buffer.concat([Buffer.from(head, 'ascii'), leaf.commitment]));
}
