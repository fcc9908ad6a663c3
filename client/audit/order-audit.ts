import { bytesEqual, parseVerifierKey, verifyEnvelope } from '../../shared/crypto/index.ts';
import { hashLeaf } from '../../shared/merkle/index.ts';
import { encodeOrderLeaf, endTermsBytes, orderCommitment, registrationTermsBytes, type OrderLeafKind } from '../../shared/wire/order-commitment.ts';
import { orderTargets, parseDetectionOrder, type DetectionOrder } from '../../shared/wire/order.ts';
import { decodeReport, REPORT_PAYLOAD_TYPE, type Report } from '../../shared/wire/report.ts';
import { parseSubjectRef } from '../../shared/wire/subject.ts';
import { AuditFailure } from './errors.ts';
import { isCount, type LogView } from './log-audit.ts';
import type { AuditSource } from './source.ts';
import type { Violations } from './violations.ts';

interface AuditedCommitment {
  readonly salt: Uint8Array;
  readonly commitment: Uint8Array;
  readonly leafIndex: number;
  readonly committedAt: number;
}

interface AuditedOrder {
  readonly number: number;
  readonly order: DetectionOrder;
  readonly memberState: string | null;
  readonly endedAt: number | null;
  readonly registration: AuditedCommitment | null;
  readonly end: (AuditedCommitment & { readonly reason: string | null }) | null;
  /** Whether the registration opens to these terms and is the log's leaf: only then may a report rely on it. */
  logged: boolean;
}

export interface OrderAuditSummary {
  readonly orders: number;
  readonly endedEarly: number;
  readonly reports: number;
  readonly purgedReports: number;
}

const MAX_PAGES = 100_000;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const malformed = (what: string): AuditFailure => new AuditFailure('AUDIT_MALFORMED_ANSWER', `${what} is malformed`);

/**
 * Orders and reports (PROTOCOL 10.4; docs/AUDIT.md): every order's
 * commitments recomputed from its terms and salt and found at their leaves;
 * every report, verified under the key the Centre says it checked, cites an
 * order registered in the log before its detectedAt, in force then, on the
 * report's surface and targeting its subject.
 */
export async function auditOrdersAndReports(source: AuditSource, log: LogView, violations: Violations): Promise<OrderAuditSummary> {
  const orders = new Map<string, AuditedOrder>();
  const servedLeaves = new Set<number>();
  let endedEarly = 0;
  for await (const item of pagedItems(source, '/v1/audit/orders', 'orders', 100)) {
    const order = parseAuditedOrder(item);
    checkCommitments(order, log, violations);
    if (order.registration !== null) servedLeaves.add(order.registration.leafIndex);
    if (order.end !== null) {
      servedLeaves.add(order.end.leafIndex);
      endedEarly++;
    }
    orders.set(`${order.order.provider}\n${order.order.orderId}`, order);
  }
  // The public log is the list of orders: one it holds that the Centre does not serve (or an early end it hides) escapes every check below.
  for (const leaf of log.leaves) {
    if ((leaf.kind === 'order' || leaf.kind === 'order-end') && !servedLeaves.has(leaf.index)) {
      const what = leaf.kind === 'order' ? 'the registration' : 'the early end';
      violations.add({ code: 'AUDIT_ORDER_NOT_SERVED', message: `leaf ${leaf.index} commits to ${what} of order number ${leaf.version}, which no order the Centre serves claims` });
    }
  }

  let reports = 0;
  let purgedReports = 0;
  for await (const item of pagedItems(source, '/v1/audit/reports', 'reports', 500)) {
    reports++;
    if (!isRecord(item) || typeof item.reportId !== 'string' || typeof item.provider !== 'string' || typeof item.orderId !== 'string' || !isCount(item.detectedAt)) throw malformed('a report');
    const reportId = item.reportId.slice(0, 64);
    if (typeof item.envelope !== 'string') {
      // Retention purged the signed envelope: only the Centre's own record of the citation remains.
      purgedReports++;
      checkReport(orders, { reportId, provider: item.provider, orderId: item.orderId, detectedAt: item.detectedAt }, violations);
      continue;
    }
    let report: Report;
    try {
      const key = parseVerifierKey(item.signedBy);
      report = decodeReport(verifyEnvelope(Buffer.from(item.envelope, 'base64'), REPORT_PAYLOAD_TYPE, [key]));
    } catch (cause) {
      if (!(cause instanceof Error)) throw cause;
      violations.add({ code: 'AUDIT_REPORT_SIGNATURE', reportId, message: `report ${reportId} does not verify under the key the Centre says it checked` });
      continue;
    }
    if (report.reportId !== item.reportId || report.provider !== item.provider || report.orderId !== item.orderId || report.detectedAt !== item.detectedAt) {
      violations.add({ code: 'AUDIT_REPORT_SIGNATURE', reportId, message: `the Centre's record of report ${reportId} differs from what its provider signed` });
    }
    checkReport(orders, report, violations);
  }
  return { orders: orders.size, endedEarly, reports, purgedReports };
}

/**
 * Every item of a paged auditor route, oldest first. The cursor must
 * advance and the pages end: a Centre that answers the same page again
 * would otherwise be read round and round, its items counted each time.
 */
async function* pagedItems(source: AuditSource, path: string, list: 'orders' | 'reports', limit: number): AsyncGenerator<unknown> {
  let after = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await source.getJson(`${path}?after=${after}&limit=${limit}`);
    const items: unknown = isRecord(answer) ? answer[list] : undefined;
    if (!isRecord(answer) || !Array.isArray(items)) throw malformed(`the ${list} page`);
    yield* items;
    if (answer.next === null) return;
    if (!isCount(answer.next) || answer.next <= after) throw new AuditFailure('AUDIT_MALFORMED_ANSWER', `the ${list} page after ${after} has a cursor that does not advance`);
    after = answer.next;
  }
  throw new AuditFailure('AUDIT_MALFORMED_ANSWER', `the ${list} did not end within ${MAX_PAGES} pages`);
}

function checkCommitments(order: AuditedOrder, log: LogView, violations: Violations): void {
  const { orderId } = order.order;
  if (order.registration === null) {
    violations.add({ code: 'AUDIT_ORDER_NOT_LOGGED', orderId, message: `order ${orderId} has no registration commitment` });
    return;
  }
  order.logged = opens(order, 'order', order.registration, registrationTermsBytes({ order: order.order, memberState: order.memberState }), log);
  if (!order.logged) violations.add({ code: 'AUDIT_ORDER_COMMITMENT_MISMATCH', orderId, message: `order ${orderId}'s terms and salt do not open its registration leaf` });
  const { end, endedAt, registration } = order;
  if (end === null) {
    if (endedAt !== null) violations.add({ code: 'AUDIT_ORDER_NOT_LOGGED', orderId, message: `order ${orderId} is said to have ended early, with no end commitment in the log` });
    return;
  }
  if (endedAt === null || !opens(order, 'order-end', end, endTermsBytes({ orderId, endedAt, reason: end.reason }), log)) {
    violations.add({ code: 'AUDIT_ORDER_COMMITMENT_MISMATCH', orderId, message: `order ${orderId}'s end and salt do not open its end leaf` });
  } else if (end.leafIndex <= registration.leafIndex) {
    violations.add({ code: 'AUDIT_ORDER_COMMITMENT_MISMATCH', orderId, message: `order ${orderId}'s end is logged before its registration` });
  } else if (endedAt > end.committedAt) {
    // The public reads the order ended when the leaf was logged; terms dated later would keep it in force for its reports.
    violations.add({ code: 'AUDIT_ORDER_COMMITMENT_MISMATCH', orderId, message: `order ${orderId}'s end is dated after the log recorded it` });
  }
}

function opens(order: AuditedOrder, kind: OrderLeafKind, held: AuditedCommitment, terms: Uint8Array, log: LogView): boolean {
  if (held.salt.byteLength !== 32 || !bytesEqual(orderCommitment(held.salt, terms), held.commitment)) return false;
  const leaf = log.leaves[held.leafIndex];
  if (leaf === undefined || leaf.appendedAt !== held.committedAt) return false;
  return bytesEqual(leaf.leafHash, hashLeaf(encodeOrderLeaf({ kind, orderNumber: order.number, committedAt: held.committedAt, commitment: held.commitment })));
}

function checkReport(orders: ReadonlyMap<string, AuditedOrder>, report: Pick<Report, 'reportId' | 'provider' | 'orderId' | 'detectedAt'> & Partial<Pick<Report, 'surface' | 'subject'>>, violations: Violations): void {
  const reportId = report.reportId.slice(0, 64);
  const cited = orders.get(`${report.provider}\n${report.orderId}`);
  const orderId = report.orderId.slice(0, 128);
  if (cited === undefined || cited.registration === null || !cited.logged) {
    violations.add({ code: 'AUDIT_REPORT_ORDER_NOT_LOGGED', reportId, orderId, message: `report ${reportId} cites order ${orderId}, which is not in the log` });
    return;
  }
  if (cited.registration.committedAt > report.detectedAt) {
    violations.add({ code: 'AUDIT_REPORT_ORDER_NOT_LOGGED', reportId, orderId, message: `report ${reportId} was detected before order ${orderId} was logged` });
  }
  const { notBefore, notAfter } = cited.order;
  if (report.detectedAt < notBefore || report.detectedAt >= notAfter || (cited.endedAt !== null && report.detectedAt >= cited.endedAt)) {
    violations.add({ code: 'AUDIT_REPORT_OUTSIDE_WINDOW', reportId, orderId, message: `report ${reportId} was detected outside order ${orderId}'s window` });
  }
  if (report.surface !== undefined && !cited.order.surfaces.includes(report.surface)) {
    violations.add({ code: 'AUDIT_REPORT_SURFACE_NOT_ORDERED', reportId, orderId, message: `report ${reportId}'s surface is not one order ${orderId} covers` });
  }
  if (report.subject !== undefined && !orderTargets(cited.order, parseSubjectRef(report.subject, 'report.subject'))) {
    violations.add({ code: 'AUDIT_REPORT_SUBJECT_NOT_TARGETED', reportId, orderId, message: `report ${reportId}'s subject is not a target of order ${orderId}` });
  }
}

function parseCommitment(value: unknown): AuditedCommitment | null {
  if (value === null) return null;
  if (!isRecord(value) || typeof value.salt !== 'string' || typeof value.commitment !== 'string' || !isCount(value.leafIndex) || !isCount(value.committedAt)) throw malformed('a commitment');
  return { salt: new Uint8Array(Buffer.from(value.salt, 'base64')), commitment: new Uint8Array(Buffer.from(value.commitment, 'base64')), leafIndex: value.leafIndex, committedAt: value.committedAt };
}

function parseAuditedOrder(value: unknown): AuditedOrder {
  if (!isRecord(value) || !isCount(value.number)) throw malformed('an order');
  const { orderId, issuingAuthority, legalReference, provider, surfaces, targets, notBefore, notAfter } = value;
  let order: DetectionOrder;
  try {
    order = parseDetectionOrder({ orderId, issuingAuthority, legalReference, provider, surfaces, targets, notBefore, notAfter });
  } catch (cause) {
    throw new AuditFailure('AUDIT_MALFORMED_ANSWER', 'an order is malformed', { cause });
  }
  const memberState = value.memberState;
  const endedAt = value.endedAt;
  if ((memberState !== null && typeof memberState !== 'string') || (endedAt !== null && !isCount(endedAt))) throw malformed('an order');
  const registration = parseCommitment(value.registration);
  let end: AuditedOrder['end'] = null;
  if (value.end !== null) {
    const commitment = parseCommitment(value.end);
    const reason = isRecord(value.end) ? value.end.reason : undefined;
    if (commitment === null || (reason !== null && typeof reason !== 'string')) throw malformed('an order end');
    end = { ...commitment, reason };
  }
  return { number: value.number, order, memberState, endedAt, registration, end, logged: false };
}
