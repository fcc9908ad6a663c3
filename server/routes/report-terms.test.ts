import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeEnvelope, generateSigningKey, signEnvelope, type SigningKey } from '../../shared/crypto/index.ts';
import { sampleOrder } from '../../shared/testing/sample-order.ts';
import { encodeReport, REPORT_PAYLOAD_TYPE, type Report } from '../../shared/wire/report.ts';
import { createApp } from '../app.ts';
import { openCentre } from '../centre.ts';
import { publishIndicators, revokeAndPublish } from '../testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const MSGPACK = 'application/msgpack';

type Refusal = { provider: string; code: string; count: number; firstAt: number; lastAt: number };

/**
 * A report must agree with the order it cites, at the instant it says the
 * match happened (docs/API.md, "POST /v1/reports"): a signed report is not
 * enough, since a modified sidecar signs whatever it likes.
 */
describe('POST /v1/reports against its order', () => {
  let t: TestCentre;
  let key: SigningKey;
  let indicators: number[];
  let t0: number;

  const report = (overrides: Partial<Report> = {}): Report => ({
    reportId: randomUUID(),
    provider: 'example-host',
    orderId: 'DE-2026-0001',
    indicatorIds: [indicators[0] ?? 0],
    algorithm: 'pdq',
    distance: 4,
    surface: 'public-posts',
    subject: 'user:u-1001',
    detectedAt: t0,
    preview: null,
    sidecarVersion: '0.1.0',
    replicaVersion: 1,
    stale: false,
    ...overrides,
  });
  const send = (r: Report, token = t.tokens.provider): Promise<Response> =>
    t.request('POST', '/v1/reports', token, Uint8Array.from(encodeEnvelope(signEnvelope(REPORT_PAYLOAD_TYPE, encodeReport(r), [key]))), MSGPACK);
  const refusalOf = async (r: Report): Promise<{ status: number; code: string | undefined }> => {
    const res = await send(r);
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code };
  };
  const registerOrder = async (overrides: Parameters<typeof sampleOrder>[1], notBefore = t0 - DAY): Promise<void> => {
    const body = sampleOrder(notBefore, { targets: { users: ['u-1001'], groups: [], channels: [] }, ...overrides });
    const res = await t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify(body), 'application/json');
    expect(res.status, await res.clone().text()).toBe(201);
  };
  const storedCount = (): number => t.centre.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM reports').get()?.n ?? -1;
  const refusals = async (token = t.tokens.operator): Promise<Refusal[]> => {
    const res = await t.request('GET', '/v1/reports/refusals', token);
    expect(res.status).toBe(200);
    return ((await res.json()) as { refusals: Refusal[] }).refusals;
  };

  /** Registers with the provider's token, then approves as an operator would after checking out of band; the registration's status. */
  const registerApprovedKey = async (k: SigningKey, token = t.tokens.provider, provider = 'example-host'): Promise<number> => {
    const res = await t.request('POST', '/v1/provider/keys', token, JSON.stringify({ verifierKey: k.verifier.text }), 'application/json');
    const approved = await t.request('POST', `/v1/provider/keys/${k.keyIdHex}/approve`, t.tokens.operator, JSON.stringify({ provider }), 'application/json');
    expect(approved.status).toBe(200);
    return res.status;
  };

  beforeEach(async () => {
    t = createTestCentre();
    t0 = t.clock.now;
    key = generateSigningKey('hashfeed/provider/example-host');
    await registerOrder({ surfaces: ['public-posts'], notAfter: t0 + 30 * DAY });
    expect(await registerApprovedKey(key)).toBe(201);
    indicators = await publishIndicators(t, 3);
  });
  const dispose = (centre: TestCentre): void => {
    centre.centre.close();
    rmSync(centre.dataDir, { recursive: true, force: true });
  };
  afterEach(() => dispose(t));

  describe('when the report agrees with its order', () => {
    it('accepts it', async () => {
      expect((await send(report())).status).toBe(201);
    });

    it('accepts one detected a little ahead of the Centre clock (within the skew)', async () => {
      expect((await send(report({ detectedAt: t0 + MINUTE }))).status).toBe(201);
    });

    it('accepts one detected before the order was ended, received after', async () => {
      const detectedAt = t0 + HOUR;
      t.clock.now = t0 + 2 * HOUR;
      expect((await t.request('POST', '/v1/orders/DE-2026-0001/end', t.tokens.operator, '{}', 'application/json')).status).toBe(200);
      t.clock.now = t0 + 3 * HOUR;
      expect((await send(report({ detectedAt }))).status).toBe(201);
    });

    it('accepts one detected inside a window that has lapsed since', async () => {
      await registerOrder({ orderId: 'DE-SHORT', notAfter: t0 + HOUR }, t0 - HOUR);
      const detectedAt = t0 + HOUR - 1;
      t.clock.now = t0 + 2 * HOUR;
      expect((await send(report({ orderId: 'DE-SHORT', detectedAt }))).status).toBe(201);
    });

    it('accepts a match on an indicator revoked after detection', async () => {
      const [first] = indicators;
      t.clock.now = t0 + HOUR;
      await revokeAndPublish(t, first ?? 0);
      expect((await send(report({ indicatorIds: [first ?? 0], detectedAt: t0 + HOUR - 1 }))).status).toBe(201);
    });
  });

  describe('when the report disagrees with its order', () => {
    it('refuses one detected after the order was ended (REPORT_ORDER_ENDED)', async () => {
      t.clock.now = t0 + HOUR;
      expect((await t.request('POST', '/v1/orders/DE-2026-0001/end', t.tokens.operator, '{}', 'application/json')).status).toBe(200);
      t.clock.now = t0 + 2 * HOUR;
      expect(await refusalOf(report({ detectedAt: t0 + HOUR + 1 }))).toEqual({ status: 400, code: 'REPORT_ORDER_ENDED' });
    });

    it('refuses one detected at or after notAfter (REPORT_ORDER_LAPSED)', async () => {
      await registerOrder({ orderId: 'DE-SHORT', notAfter: t0 + HOUR }, t0 - HOUR);
      t.clock.now = t0 + 2 * HOUR;
      expect(await refusalOf(report({ orderId: 'DE-SHORT', detectedAt: t0 + HOUR }))).toEqual({ status: 400, code: 'REPORT_ORDER_LAPSED' });
    });

    it('refuses one detected before notBefore (REPORT_ORDER_NOT_YET_VALID)', async () => {
      await registerOrder({ orderId: 'DE-LATER', notAfter: t0 + 2 * DAY }, t0 + HOUR);
      expect(await refusalOf(report({ orderId: 'DE-LATER', detectedAt: t0 }))).toEqual({ status: 400, code: 'REPORT_ORDER_NOT_YET_VALID' });
    });

    it('refuses a subject the order does not target (REPORT_SUBJECT_NOT_TARGETED)', async () => {
      expect(await refusalOf(report({ subject: 'user:u-9999' }))).toEqual({ status: 400, code: 'REPORT_SUBJECT_NOT_TARGETED' });
      expect(await refusalOf(report({ subject: 'group:u-1001' }))).toEqual({ status: 400, code: 'REPORT_SUBJECT_NOT_TARGETED' });
    });

    it('refuses a surface the order does not list (REPORT_SURFACE_NOT_LISTED)', async () => {
      expect(await refusalOf(report({ surface: 'dm-unencrypted' }))).toEqual({ status: 400, code: 'REPORT_SURFACE_NOT_LISTED' });
    });

    it('stores none of them', async () => {
      await refusalOf(report({ surface: 'dm-unencrypted' }));
      await refusalOf(report({ subject: 'user:u-9999' }));
      expect(storedCount()).toBe(0);
    });
  });

  describe('when an indicator does not stand behind the match', () => {
    it('refuses an id that names no indicator (REPORT_UNKNOWN_INDICATOR)', async () => {
      expect(await refusalOf(report({ indicatorIds: [indicators[0] ?? 0, 9999] }))).toEqual({ status: 400, code: 'REPORT_UNKNOWN_INDICATOR' });
    });

    it('refuses an indicator of another algorithm (REPORT_UNKNOWN_INDICATOR)', async () => {
      expect(await refusalOf(report({ algorithm: 'phash64' }))).toEqual({ status: 400, code: 'REPORT_UNKNOWN_INDICATOR' });
    });

    it('refuses an indicator submitted but never published (REPORT_UNKNOWN_INDICATOR)', async () => {
      const rows = [{ algorithm: 'pdq', hash: 'ab'.repeat(32), category: 'A1', reference: 'pending-1' }];
      expect((await t.request('POST', '/v1/indicators', t.tokens.authority, JSON.stringify(rows), 'application/json')).status).toBe(201);
      const pending = Math.max(...indicators) + 1;
      expect(await refusalOf(report({ indicatorIds: [pending] }))).toEqual({ status: 400, code: 'REPORT_UNKNOWN_INDICATOR' });
    });

    it('refuses an indicator published only after the detection (REPORT_UNKNOWN_INDICATOR)', async () => {
      t.clock.now = t0 + DAY;
      const [later] = await publishIndicators(t, 1);
      expect(await refusalOf(report({ indicatorIds: [later ?? 0], detectedAt: t0 + HOUR }))).toEqual({ status: 400, code: 'REPORT_UNKNOWN_INDICATOR' });
    });

    it('accepts a match on an indicator published again just after detectedAt (within the skew), as on a first publication', async () => {
      const [first = 0] = indicators;
      t.clock.now = t0 + HOUR;
      await revokeAndPublish(t, first);
      // The authority submits the same hash again; published anew, it is the same indicator.
      t.clock.now = t0 + 2 * HOUR;
      const { indicator } = (await (await t.request('GET', `/v1/indicators/${first}`, t.tokens.operator)).json()) as { indicator: { hash: string } };
      const rows = [{ algorithm: 'pdq', hash: indicator.hash, category: 'A1', reference: 'again' }];
      const submitted = await t.request('POST', '/v1/indicators', t.tokens.authority, JSON.stringify(rows), 'application/json');
      const { batchId } = (await submitted.json()) as { batchId: number };
      expect((await t.request('POST', `/v1/batches/${batchId}/approve`, t.tokens.operator)).status).toBe(200);
      expect((await t.request('POST', '/v1/publish', t.tokens.operator)).status).toBe(201);
      // A sidecar whose clock runs a minute behind matched right after syncing it.
      expect((await send(report({ indicatorIds: [first], detectedAt: t0 + 2 * HOUR - MINUTE }))).status).toBe(201);
    });

    it('refuses an indicator whose revocation was published before the detection (REPORT_INDICATOR_REVOKED)', async () => {
      const [first] = indicators;
      t.clock.now = t0 + HOUR;
      await revokeAndPublish(t, first ?? 0);
      t.clock.now = t0 + 2 * HOUR;
      expect(await refusalOf(report({ indicatorIds: [first ?? 0], detectedAt: t0 + HOUR + 1 }))).toEqual({ status: 400, code: 'REPORT_INDICATOR_REVOKED' });
    });
  });

  describe('when detectedAt does not fit the receive time', () => {
    it.each([
      ['the epoch (detectedAt: 0)', () => 0],
      ['beyond the clock skew in the future', () => t0 + 10 * MINUTE],
      ['older than the longest a report may wait', () => t0 - 31 * DAY],
    ])('refuses %s (REPORT_TIME_INVALID)', async (_name, detectedAt) => {
      expect(await refusalOf(report({ detectedAt: detectedAt() }))).toEqual({ status: 400, code: 'REPORT_TIME_INVALID' });
      expect(storedCount()).toBe(0);
    });

    it('takes the skew from the config', async () => {
      dispose(t);
      t = createTestCentre({ reportClockSkewSeconds: 30 });
      t0 = t.clock.now;
      await registerOrder({ notAfter: t0 + DAY });
      expect(await registerApprovedKey(key)).toBe(201);
      indicators = await publishIndicators(t, 1);
      expect(await refusalOf(report({ detectedAt: t0 + MINUTE }))).toEqual({ status: 400, code: 'REPORT_TIME_INVALID' });
    });
  });

  describe('the refusal statistics', () => {
    it('count refusals per provider and code, operators only', async () => {
      await refusalOf(report({ surface: 'dm-unencrypted' }));
      await refusalOf(report({ surface: 'other' }));
      t.clock.now = t0 + 1000;
      await refusalOf(report({ detectedAt: 0 }));
      await refusalOf(report({ orderId: 'XX-1' }));
      await send(report());
      expect(await refusals()).toEqual([
        { provider: 'example-host', code: 'REPORT_SURFACE_NOT_LISTED', count: 2, firstAt: t0, lastAt: t0 },
        { provider: 'example-host', code: 'REPORT_TIME_INVALID', count: 1, firstAt: t0 + 1000, lastAt: t0 + 1000 },
        { provider: 'example-host', code: 'REPORT_UNKNOWN_ORDER', count: 1, firstAt: t0 + 1000, lastAt: t0 + 1000 },
      ]);
      for (const token of [t.tokens.provider, t.tokens.authority]) expect((await t.request('GET', '/v1/reports/refusals', token)).status).toBe(403);
      expect((await t.request('GET', '/v1/reports/refusals')).status).toBe(401);
    });

    it('keep providers apart', async () => {
      const otherToken = t.account('other-host', 'provider');
      const otherKey = generateSigningKey('hashfeed/provider/other-host');
      await registerApprovedKey(otherKey, otherToken, 'other-host');
      const theirs = report({ provider: 'other-host', surface: 'x' });
      await t.request('POST', '/v1/reports', otherToken, Uint8Array.from(encodeEnvelope(signEnvelope(REPORT_PAYLOAD_TYPE, encodeReport(theirs), [otherKey]))), MSGPACK);
      await refusalOf(report({ surface: 'x' }));
      expect((await refusals()).map((r) => [r.provider, r.code, r.count])).toEqual([
        ['example-host', 'REPORT_SURFACE_NOT_LISTED', 1],
        ['other-host', 'REPORT_UNKNOWN_ORDER', 1],
      ]);
    });

    it('survive a restart', async () => {
      await refusalOf(report({ subject: 'user:u-9999' }));
      t.centre.close();
      const reopened = openCentre(t.dataDir, t.clock.now, {});
      try {
        const app = createApp({ centre: reopened, clock: () => t.clock.now });
        const res = await app.request('/v1/reports/refusals', { headers: { authorization: `Bearer ${t.tokens.operator}` } });
        expect(((await res.json()) as { refusals: Refusal[] }).refusals).toEqual([{ provider: 'example-host', code: 'REPORT_SUBJECT_NOT_TARGETED', count: 1, firstAt: t0, lastAt: t0 }]);
      } finally {
        reopened.close();
      }
    });
  });
});
