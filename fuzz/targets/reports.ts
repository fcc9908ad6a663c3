import fc from 'fast-check';
import { generateSigningKey } from '../../shared/crypto/signing-key.ts';
import { decodeDecisionList, encodeDecisionList, type DecisionEntry } from '../../shared/wire/decision-list.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { decodeForwardingRecord, encodeForwardingRecord } from '../../shared/wire/forwarding-record.ts';
import { decodeOrderList, encodeOrderList, type DetectionOrder } from '../../shared/wire/order.ts';
import { decodeReport, encodeReport } from '../../shared/wire/report.ts';
import { hostileMsgpack } from '../mutate.ts';
import { defineTarget, type RegisteredTarget } from '../target.ts';

/** What orders a provider and what answers its reports: order lists, reports, decision lists, forwarding records. */

const DAY = 86_400_000;

const orders: fc.Arbitrary<DetectionOrder> = fc
  .record({
    serial: fc.integer({ min: 1, max: 9999 }),
    notBefore: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    days: fc.integer({ min: 1, max: 730 }),
    users: fc.uniqueArray(fc.stringMatching(/^u-[0-9]{1,6}$/), { maxLength: 3 }),
    channels: fc.uniqueArray(fc.stringMatching(/^c-[0-9]{1,6}$/), { maxLength: 2 }),
  })
  .map(({ serial, notBefore, days, users, channels }) => ({
    orderId: `DE-2026-${serial}`,
    issuingAuthority: 'Amtsgericht München',
    legalReference: 'Az. 12 Gs 345/26',
    provider: 'example-host',
    surfaces: ['public-posts'],
    targets: { users: users.sort(), groups: [], channels: channels.sort() },
    notBefore,
    notAfter: notBefore + days * DAY,
  }));

export const orderList = defineTarget({
  name: 'order-list',
  decoder: 'shared/wire/order.ts decodeOrderList',
  input: hostileMsgpack(
    fc
      .uniqueArray(orders, { maxLength: 3, selector: (order) => order.orderId })
      .map((list) => encodeOrderList({ provider: 'example-host', issuedAt: 1_790_000_000_000, orders: list })),
  ),
  decode: (payload: Uint8Array) => decodeOrderList(payload),
  encode: encodeOrderList,
  refusals: [WireError],
});

const decisionEntries: fc.Arbitrary<Omit<DecisionEntry, 'seq'>> = fc.oneof(
  fc.record({ reportId: fc.uuid({ version: 4 }), decision: fc.constant('forwarded' as const) }),
  fc.record({ reportId: fc.uuid({ version: 4 }), decision: fc.constant('forwarded' as const), hold: fc.record({ until: fc.integer({ min: 1, max: 4_000_000_000_000 }) }) }),
  fc.record({ reportId: fc.uuid({ version: 4 }), decision: fc.constant('unfounded' as const), reason: fc.constantFrom('preview_mismatch' as const, 'duplicate' as const, 'other' as const) }),
);

export const decisionList = defineTarget({
  name: 'decision-list',
  decoder: 'shared/wire/decision-list.ts decodeDecisionList',
  input: hostileMsgpack(
    fc.record({ entries: fc.array(decisionEntries, { maxLength: 5 }), since: fc.nat({ max: 1000 }), more: fc.boolean() }).map(({ entries, since, more }) =>
      encodeDecisionList({ provider: 'acme', issuedAt: 1_790_000_000_000, since, entries: entries.map((entry, i) => ({ ...entry, seq: since + 1 + i })), more }),
    ),
  ),
  decode: (payload: Uint8Array) => decodeDecisionList(payload),
  encode: encodeDecisionList,
  refusals: [WireError],
});

export const report = defineTarget({
  name: 'report',
  decoder: 'shared/wire/report.ts decodeReport',
  input: hostileMsgpack(
    fc
      .record({
        reportId: fc.uuid({ version: 4 }),
        indicatorIds: fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 8 }),
        distance: fc.nat({ max: 256 }),
        preview: fc.constantFrom('LEHV6nWB2yk8pyo0adR*.7kCMdnj', null),
        stale: fc.boolean(),
      })
      .map((r) =>
        encodeReport({
          reportId: r.reportId,
          provider: 'example-host',
          orderId: 'DE-2026-0001',
          indicatorIds: r.indicatorIds.sort((a, b) => a - b),
          algorithm: 'pdq',
          distance: r.distance,
          surface: 'public-posts',
          subject: 'user:u-1001',
          detectedAt: Date.UTC(2026, 10, 2),
          preview: r.preview,
          sidecarVersion: '0.1.0',
          replicaVersion: 3,
          stale: r.stale,
        }),
      ),
  ),
  decode: (payload: Uint8Array) => decodeReport(payload),
  encode: encodeReport,
  refusals: [WireError],
});

const providerKey = generateSigningKey('hashfeed/provider/example-host').verifier.text;

export const forwardingRecord = defineTarget({
  name: 'forwarding-record',
  decoder: 'shared/wire/forwarding-record.ts decodeForwardingRecord',
  input: hostileMsgpack(
    fc.record({ reportId: fc.uuid({ version: 4 }), decision: fc.constantFrom('forwarded' as const, 'unfounded' as const), europol: fc.boolean() }).map(({ reportId, decision, europol }) =>
      encodeForwardingRecord({
        reportId,
        decision,
        recipients: [{ account: 'DE-BKA', role: 'authority', memberState: 'DE' }, ...(europol ? [{ account: 'europol', role: 'europol' as const, memberState: null }] : [])],
        decidedAt: Date.UTC(2026, 10, 1),
        provider: 'example-host',
        providerKey,
        reportSha256: new Uint8Array(32).fill(7),
      }),
    ),
  ),
  decode: (payload: Uint8Array) => decodeForwardingRecord(payload),
  encode: encodeForwardingRecord,
  refusals: [WireError],
});

export const REPORT_TARGETS: readonly RegisteredTarget[] = [orderList, decisionList, report, forwardingRecord];
