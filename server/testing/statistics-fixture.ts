import { randomBytes } from 'node:crypto';
import { sampleOrder } from '../../shared/testing/sample-order.ts';
import { enrolProvider } from './access-fixture.ts';
import { reviewFixture, type ReviewFixture } from './review-fixture.ts';
import type { TestCentre } from './test-centre.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
const JSON_TYPE = 'application/json';
const USERS = Array.from({ length: 20 }, (_, i) => `u-${i + 1}`);

/** Everything the statistics must never show: identifiers, hashes, subjects, targets and names of the seeded Centre. */
export interface SeededSecrets {
  readonly strings: readonly string[];
  /** Sends one more report on the DE order, as example-host. */
  readonly send: ReviewFixture['send'];
}

/**
 * A Centre with four months of known activity (test-centre's clock starts on
 * 2026-11-01), for the statistics' tests; the clock ends on 2027-02-15.
 *
 * - 2026-11: DE-BKA submits 2 indicators, approved and published. Orders:
 *   DE (until the end of February), FR (three weeks), one with no Member
 *   State (three weeks). Ten reports arrive at once and are decided 1 to 10
 *   minutes later: minutes 1, 2, 10 forwarded on the DE order (to both DE
 *   authorities and Europol), 3 on the FR order (FR and Europol), 4 on the
 *   order without a Member State (Europol alone); 5 to 7 unfounded
 *   preview_mismatch, 8 duplicate, 9 indicator_error.
 *   Then example-host (entitled by the DE order) and no-order-host (no
 *   order) each register an encryption key and fetch their access list:
 *   one grant, one wrap, two fetches, one of them refused.
 * - 2026-12: nothing happens (the DE order is still in force).
 * - 2027-01: one report arrives on the 10th; FR-OCRVP submits 3 indicators,
 *   approved and published; DE-BKA revokes its A1 indicator, published.
 * - 2027-02: the January report is forwarded on the 2nd (23 days after),
 *   and the quality loop suspends DE-BKA's B1 indicator (an `indicator.suspend` audit entry).
 */
export async function seedStatistics(t: TestCentre): Promise<SeededSecrets> {
  // Authority names are public already (the per-version counts); `europol` is also the name of a figure.
  const secrets: string[] = ['example-host', 'reviewer-1'];
  t.account('DE-LKA-2', 'authority', 'DE');
  const fr = t.account('FR-OCRVP', 'authority', 'FR');
  const start = t.clock.now;
  const targets = { users: USERS, groups: [], channels: [] };
  const f = await reviewFixture(t, { memberState: 'DE', targets, notAfter: Date.UTC(2027, 1, 28) });
  secrets.push('DE-2026-0001', 'Amtsgericht München', 'Az. 12 Gs 345/26', ...USERS.map((u) => `user:${u}`));
  const orders = [
    { orderId: 'FR-2026-0042', issuingAuthority: 'Tribunal judiciaire de Paris', legalReference: 'RG 26/01234', memberState: 'FR' },
    { orderId: 'XX-2026-0007', issuingAuthority: 'Legacy Court Without State', legalReference: 'LR-77-secret' },
  ];
  for (const order of orders) {
    const body = { ...sampleOrder(start - DAY, { targets, notAfter: start + 20 * DAY }), ...order };
    await expectStatus(t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify(body), JSON_TYPE), 201);
    secrets.push(order.orderId, order.issuingAuthority, order.legalReference);
  }

  const november: { orderId: string; reason?: string }[] = [
    { orderId: 'DE-2026-0001' },
    { orderId: 'DE-2026-0001' },
    { orderId: 'FR-2026-0042' },
    { orderId: 'XX-2026-0007' },
    { orderId: 'DE-2026-0001', reason: 'preview_mismatch' },
    { orderId: 'DE-2026-0001', reason: 'preview_mismatch' },
    { orderId: 'DE-2026-0001', reason: 'preview_mismatch' },
    { orderId: 'DE-2026-0001', reason: 'duplicate' },
    { orderId: 'DE-2026-0001', reason: 'indicator_error' },
    { orderId: 'DE-2026-0001' },
  ];
  // Distinct subjects: reports are not bundled, each is decided on its own.
  const ids: string[] = [];
  for (const [i, report] of november.entries()) ids.push(await f.send({ orderId: report.orderId, subject: `user:u-${i + 1}` }));
  for (const [i, report] of november.entries()) {
    t.clock.now = start + (i + 1) * MINUTE;
    const decision: Record<string, string> =
      report.reason === undefined ? { decision: 'forwarded' } : { decision: 'unfounded', reason: report.reason, comment: 'Judged against the preview.' };
    await decideNext(t, ids[i] ?? '', decision);
  }

  t.clock.now = start + 11 * MINUTE;
  for (const name of ['example-host', 'no-order-host']) {
    const provider = await enrolProvider(t, name);
    await expectStatus(t.request('GET', '/v1/feed/access', provider.token), 200);
    secrets.push(provider.keyId);
  }
  secrets.push('no-order-host');

  t.clock.now = Date.UTC(2027, 0, 10);
  const january = await f.send({ subject: 'user:u-11' });
  ids.push(january);
  const rows = Array.from({ length: 3 }, (_, i) => ({ algorithm: 'pdq', hash: randomBytes(32).toString('hex'), category: 'B1', reference: `fr-case-${i}` }));
  secrets.push(...rows.map((r) => r.reference));
  const submitted = await expectStatus(t.request('POST', '/v1/indicators', fr, JSON.stringify(rows), JSON_TYPE), 201);
  const { batchId } = (await submitted.json()) as { batchId: number };
  await expectStatus(t.request('POST', `/v1/batches/${batchId}/approve`, t.tokens.operator), 200);
  await expectStatus(t.request('POST', `/v1/indicators/${f.urgent}/revoke`, t.tokens.authority, JSON.stringify({ reason: 'ENTRY_ERROR' }), JSON_TYPE), 200);
  await expectStatus(t.request('POST', '/v1/publish', t.tokens.operator), 201);

  t.clock.now = Date.UTC(2027, 1, 2);
  await decideNext(t, january, { decision: 'forwarded' });
  // The quality loop (issue 11, item 6) is another slice: its audit entry is what the statistics read.
  t.centre.write(() => t.centre.audit.record(t.clock.now, 'quality-loop', 'indicator.suspend', `indicator:${f.routine}`, { providers: 3 }));

  t.clock.now = Date.UTC(2027, 1, 15);
  secrets.push(...ids);
  for (const { hash } of t.centre.db.prepare<[], { hash: Buffer }>('SELECT hash FROM indicators').all()) {
    secrets.push(hash.toString('hex'), hash.toString('base64'));
  }
  return { strings: secrets, send: f.send };
}

async function decideNext(t: TestCentre, expected: string, body: Record<string, string>): Promise<void> {
  const claimed = (await (await expectStatus(t.request('GET', '/v1/review/next', t.tokens.reviewer), 200)).json()) as { report: { reportId: string } };
  if (claimed.report.reportId !== expected) throw new Error(`claimed ${claimed.report.reportId}, expected ${expected}`);
  await expectStatus(t.request('POST', `/v1/review/reports/${expected}/decision`, t.tokens.reviewer, JSON.stringify(body), JSON_TYPE), 200);
}

async function expectStatus(pending: Promise<Response>, status: number): Promise<Response> {
  const res = await pending;
  if (res.status !== status) throw new Error(`${status} expected: ${res.status} ${await res.text()}`);
  return res;
}
