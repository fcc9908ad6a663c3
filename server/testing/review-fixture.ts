import { randomBytes, randomUUID } from 'node:crypto';
import { encode } from 'blurhash';
import { encodeEnvelope, generateSigningKey, signEnvelope, type SigningKey } from '../../shared/crypto/index.ts';
import { sampleOrder } from '../../shared/testing/sample-order.ts';
import { encodeReport, REPORT_PAYLOAD_TYPE, type Report } from '../../shared/wire/report.ts';
import type { TestCentre } from './test-centre.ts';

const DAY = 86_400_000;

/** A synthetic 8x8 one-colour picture's 4x4 blurhash: stands in for a preview. */
export function flatPreview(rgb: readonly [number, number, number]): string {
  const pixels = new Uint8ClampedArray(8 * 8 * 4);
  for (let i = 0; i < 64; i++) pixels.set([...rgb, 255], i * 4);
  return encode(pixels, 8, 8, 4, 4);
}

export interface ReviewFixture {
  /** Published indicators of category A1 (urgent by default) and B1 (routine). */
  readonly urgent: number;
  readonly routine: number;
  /** The preview the authority attached to both indicators. */
  readonly indicatorPreview: string;
  /** The approved verifier key example-host signs reports with. */
  readonly providerKey: string;
  /** Signs a report as example-host's sidecar would and sends it; returns its id. */
  send(overrides?: Partial<Report>): Promise<string>;
}

/**
 * A Centre ready to receive reports: order DE-2026-0001 (issued in DE, for
 * example-host, users u-1 to u-9), an approved provider key, and two
 * published indicators with previews. For review, routing and inbox tests.
 */
export async function reviewFixture(t: TestCentre, orderOverrides: Record<string, unknown> = { memberState: 'DE' }): Promise<ReviewFixture> {
  const order = {
    ...sampleOrder(t.clock.now - DAY, { targets: { users: Array.from({ length: 9 }, (_, i) => `u-${i + 1}`), groups: [], channels: [] }, notAfter: t.clock.now + 30 * DAY }),
    ...orderOverrides,
  };
  await expectStatus(t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify(order), 'application/json'), 201, 'order');
  const key: SigningKey = generateSigningKey('hashfeed/provider/example-host');
  await expectStatus(t.request('POST', '/v1/provider/keys', t.tokens.provider, JSON.stringify({ verifierKey: key.verifier.text }), 'application/json'), 201, 'key');
  await expectStatus(t.request('POST', `/v1/provider/keys/${key.keyIdHex}/approve`, t.tokens.operator, JSON.stringify({ provider: 'example-host' }), 'application/json'), 200, 'approve key');
  const indicatorPreview = flatPreview([90, 60, 40]);
  const rows = ['A1', 'B1'].map((category, i) => ({ algorithm: 'pdq', hash: randomBytes(32).toString('hex'), category, reference: `case-${i}`, preview: indicatorPreview }));
  const submitted = await expectStatus(t.request('POST', '/v1/indicators', t.tokens.authority, JSON.stringify(rows), 'application/json'), 201, 'submit');
  const { batchId } = (await submitted.json()) as { batchId: number };
  await expectStatus(t.request('POST', `/v1/batches/${batchId}/approve`, t.tokens.operator), 200, 'approve');
  await expectStatus(t.request('POST', '/v1/publish', t.tokens.operator), 201, 'publish');
  const listed = (await (await t.request('GET', `/v1/indicators?batch=${batchId}`, t.tokens.operator)).json()) as { indicators: { id: number; category: string }[] };
  const idOf = (category: string): number => listed.indicators.find((i) => i.category === category)?.id ?? -1;
  const urgent = idOf('A1');
  const routine = idOf('B1');
  return {
    urgent,
    routine,
    indicatorPreview,
    providerKey: key.verifier.text,
    send: (overrides = {}) => sendSignedReport(t, { provider: 'example-host', orderId: order.orderId, indicatorId: routine, key, token: t.tokens.provider }, overrides),
  };
}

/** Tests: awaits a request and throws with its body unless it answered `status`. */
export async function expectStatus(pending: Promise<Response>, status: number, what: string): Promise<Response> {
  const res = await pending;
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res;
}

/**
 * Tests: a report as a provider's sidecar signs it (a routine match of
 * `indicatorId` under `orderId`, a flat preview), sent to POST /v1/reports;
 * returns its id.
 */
export async function sendSignedReport(
  t: TestCentre,
  sender: { readonly provider: string; readonly orderId: string; readonly indicatorId: number; readonly key: SigningKey; readonly token: string },
  overrides: Partial<Report> = {},
): Promise<string> {
  const report: Report = {
    reportId: randomUUID(),
    provider: sender.provider,
    orderId: sender.orderId,
    indicatorIds: [sender.indicatorId],
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
  await expectStatus(t.request('POST', '/v1/reports', sender.token, envelope, 'application/msgpack'), 201, 'report');
  return report.reportId;
}
