import { randomUUID } from 'node:crypto';
import { encodeEnvelope, generateSigningKey, signEnvelope, type SigningKey } from '../../shared/crypto/index.ts';
import { sampleOrder } from '../../shared/testing/sample-order.ts';
import { encodeReport, REPORT_PAYLOAD_TYPE, type Report } from '../../shared/wire/report.ts';
import { flatPreview, reviewFixture, type ReviewFixture } from './review-fixture.ts';
import type { TestCentre } from './test-centre.ts';

const DAY = 86_400_000;

export interface ProvidersFixture extends ReviewFixture {
  /** The providers' names; the first is the review fixture's example-host. */
  readonly providers: readonly string[];
  /** Signs a report as `provider`'s sidecar would and sends it; returns its id. */
  sendAs(provider: string, overrides?: Partial<Report>): Promise<string>;
  /** Claims the next bundle as `reviewer` and decides it; returns the report id claimed. */
  decideNext(reviewerToken: string, decision: Record<string, unknown>): Promise<string>;
}

/**
 * The review fixture plus more providers, each with its own order (issued in
 * DE, users u-1 to u-9) and approved report key: for the quality loop,
 * which counts distinct providers.
 */
export async function providersFixture(t: TestCentre, extra: readonly string[] = ['other-host', 'third-host', 'fourth-host']): Promise<ProvidersFixture> {
  const base = await reviewFixture(t);
  const senders = new Map<string, { key: SigningKey; orderId: string }>();
  const tokens = new Map<string, string>();
  for (const [i, name] of extra.entries()) {
    const token = t.account(name, 'provider');
    const orderId = `DE-2026-${String(100 + i).padStart(4, '0')}`;
    const order = {
      ...sampleOrder(t.clock.now - DAY, { orderId, provider: name, targets: { users: Array.from({ length: 9 }, (_, j) => `u-${j + 1}`), groups: [], channels: [] }, notAfter: t.clock.now + 30 * DAY }),
      memberState: 'DE',
    };
    await expectStatus(t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify(order), 'application/json'), 201, 'order');
    const key = generateSigningKey(`hashfeed/provider/${name}`);
    await expectStatus(t.request('POST', '/v1/provider/keys', token, JSON.stringify({ verifierKey: key.verifier.text }), 'application/json'), 201, 'key');
    await expectStatus(t.request('POST', `/v1/provider/keys/${key.keyIdHex}/approve`, t.tokens.operator, JSON.stringify({ provider: name }), 'application/json'), 200, 'approve key');
    senders.set(name, { key, orderId });
    tokens.set(name, token);
  }
  return {
    ...base,
    providers: ['example-host', ...extra],
    sendAs: async (provider, overrides = {}) => {
      if (provider === 'example-host') return base.send(overrides);
      const sender = senders.get(provider);
      const token = tokens.get(provider);
      if (sender === undefined || token === undefined) throw new Error(`no provider ${provider} in the fixture`);
      const report: Report = {
        reportId: randomUUID(),
        provider,
        orderId: sender.orderId,
        indicatorIds: [base.routine],
        algorithm: 'pdq',
        distance: 4,
        surface: 'public-posts',
        subject: 'user:u-1',
        detectedAt: t.clock.now,
        preview: flatPreview([92, 61, 40]),
        sidecarVersion: '0.1.0',
        replicaVersion: 1,
        stale: false,
        ...overrides,
      };
      const envelope = Uint8Array.from(encodeEnvelope(signEnvelope(REPORT_PAYLOAD_TYPE, encodeReport(report), [sender.key])));
      await expectStatus(t.request('POST', '/v1/reports', token, envelope, 'application/msgpack'), 201, 'report');
      return report.reportId;
    },
    decideNext: async (reviewerToken, decision) => {
      const claimed = await expectStatus(t.request('GET', '/v1/review/next', reviewerToken), 200, 'claim');
      const body: unknown = await claimed.json();
      const reportId = typeof body === 'object' && body !== null && 'report' in body && typeof body.report === 'object' && body.report !== null && 'reportId' in body.report ? body.report.reportId : undefined;
      if (typeof reportId !== 'string') throw new Error('claim: no report id');
      await expectStatus(t.request('POST', `/v1/review/reports/${reportId}/decision`, reviewerToken, JSON.stringify(decision), 'application/json'), 200, 'decide');
      return reportId;
    },
  };
}

async function expectStatus(pending: Promise<Response>, status: number, what: string): Promise<Response> {
  const res = await pending;
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res;
}
