import { generateSigningKey, type SigningKey } from '../../shared/crypto/index.ts';
import { sampleOrder } from '../../shared/testing/sample-order.ts';
import type { Report } from '../../shared/wire/report.ts';
import { expectStatus, reviewFixture, sendSignedReport, type ReviewFixture } from './review-fixture.ts';
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
      return sendSignedReport(t, { provider, orderId: sender.orderId, indicatorId: base.routine, key: sender.key, token }, overrides);
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
