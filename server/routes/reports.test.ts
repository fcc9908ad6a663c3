import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeEnvelope, generateSigningKey, signEnvelope, type SigningKey } from '../../shared/crypto/index.ts';
import { encodeMsgpack } from '../../shared/wire/codec.ts';
import { encodeReport, REPORT_PAYLOAD_TYPE, type Report } from '../../shared/wire/report.ts';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { MAX_REPORT_ENVELOPE_BYTES } from './reports.ts';
import { sampleOrder } from '../../shared/testing/sample-order.ts';

const DAY = 86_400_000;
const MSGPACK = 'application/msgpack';
const errorCode = async (res: Response): Promise<string> => ((await res.json()) as { error: { code: string } }).error.code;
const plain = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => Uint8Array.from(bytes);

function sampleReport(overrides: Partial<Report> = {}): Report {
  return {
    reportId: randomUUID(),
    provider: 'example-host',
    orderId: 'DE-2026-0001',
    indicatorIds: [3],
    algorithm: 'pdq',
    distance: 4,
    surface: 'public-posts',
    subject: 'user:u-1001',
    detectedAt: Date.UTC(2026, 10, 1),
    preview: 'LEHV6nWB2yk8pyo0adR*.7kCMdnj',
    sidecarVersion: '0.1.0',
    replicaVersion: 1,
    stale: false,
    ...overrides,
  };
}

const signed = (report: Report, key: SigningKey, type = REPORT_PAYLOAD_TYPE): Uint8Array => encodeEnvelope(signEnvelope(type, encodeReport(report), [key]));

describe('provider keys and reports', () => {
  let t: TestCentre;
  let key: SigningKey;

  /** Registers with the provider's token, then approves as an operator would after checking out of band. */
  const registerKey = async (k: SigningKey, token = t.tokens.provider, provider = 'example-host'): Promise<Response> => {
    const res = await t.request('POST', '/v1/provider/keys', token, JSON.stringify({ verifierKey: k.verifier.text }), 'application/json');
    if (res.status === 201) await t.request('POST', `/v1/provider/keys/${k.keyIdHex}/approve`, t.tokens.operator, JSON.stringify({ provider }), 'application/json');
    return res;
  };
  const send = (envelope: Uint8Array, token = t.tokens.provider, type = MSGPACK): Promise<Response> => t.request('POST', '/v1/reports', token, plain(envelope), type);
  const listed = async (query = ''): Promise<{ reports: (Report & { receivedAt: number; signedBy: string })[]; next: number | null }> =>
    (await (await t.request('GET', `/v1/reports${query}`, t.tokens.operator)).json()) as { reports: (Report & { receivedAt: number; signedBy: string })[]; next: number | null };

  beforeEach(async () => {
    t = createTestCentre();
    key = generateSigningKey('hashfeed/provider/example-host');
    const order = sampleOrder(t.clock.now - DAY, { targets: { users: ['u-1001'], groups: [], channels: [] }, notAfter: t.clock.now + 30 * DAY });
    expect((await t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify(order), 'application/json')).status).toBe(201);
    expect((await registerKey(key)).status).toBe(201);
    // The reports below cite indicator 3: the Centre accepts only published indicators.
    expect(await publishIndicators(t, 3)).toEqual([1, 2, 3]);
  });
  afterEach(() => t.close());

  describe('registering a provider key', () => {
    it('is idempotent: the same key again answers 200', async () => {
      const res = await registerKey(key);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ verifierKey: key.verifier.text, keyId: key.keyIdHex, createdAt: t.clock.now, status: 'approved', created: false });
    });

    it('accepts several keys for rotation, and audits each once', async () => {
      expect((await registerKey(generateSigningKey('hashfeed/provider/example-host'))).status).toBe(201);
      await registerKey(key);
      const audit = (await (await t.request('GET', '/v1/audit', t.tokens.admin)).json()) as { entries: { action: string }[] };
      expect(audit.entries.filter((e) => e.action === 'provider-key.register')).toHaveLength(2);
    });

    it('refuses a key another provider registered with 409', async () => {
      const res = await registerKey(key, t.account('other-host', 'provider'));
      expect(res.status).toBe(409);
    });

    it.each([
      ['a malformed key', { verifierKey: 'not-a-key' }, 'KEY_MALFORMED'],
      ['a missing key', {}, 'KEY_MALFORMED'],
      ['an unknown field', { verifierKey: 'x', note: 'y' }, 'BAD_REQUEST'],
    ])('refuses %s', async (_name, body, code) => {
      const res = await t.request('POST', '/v1/provider/keys', t.tokens.provider, JSON.stringify(body), 'application/json');
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe(code);
    });
  });

  describe('when a provider sends a valid report', () => {
    it('stores it with the exact envelope and answers 201', async () => {
      const report = sampleReport();
      const envelope = signed(report, key);
      const res = await send(envelope);
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ reportId: report.reportId, duplicate: false });
      const { reports } = await listed();
      expect(reports).toEqual([{ ...report, receivedAt: t.clock.now, signedBy: key.verifier.text, purgedAt: null }]);
      const stored = t.centre.db.prepare<[string], { envelope: Buffer }>('SELECT envelope FROM reports WHERE report_id = ?').get(report.reportId);
      expect(Buffer.from(stored?.envelope ?? [])).toEqual(Buffer.from(envelope));
    });

    it('audits the receipt without subject or preview', async () => {
      await send(signed(sampleReport(), key));
      const audit = await (await t.request('GET', '/v1/audit', t.tokens.admin)).text();
      expect(audit).toContain('"action":"report.receive"');
      expect(audit).not.toContain('u-1001');
      expect(audit).not.toContain('LEHV6nWB');
    });

    it('acknowledges the same report again as a duplicate and stores it once', async () => {
      const envelope = signed(sampleReport(), key);
      await send(envelope);
      const again = await send(envelope);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ duplicate: true });
      expect((await listed()).reports).toHaveLength(1);
    });

    it('treats the same content signed by a rotated key as a duplicate', async () => {
      const next = generateSigningKey('hashfeed/provider/example-host');
      await registerKey(next);
      const report = sampleReport();
      await send(signed(report, key));
      expect((await send(signed(report, next))).status).toBe(200);
      expect((await listed()).reports).toHaveLength(1);
    });

    it('acknowledges a resend as a duplicate even once its detectedAt is too old for a new report, and counts no refusal', async () => {
      const envelope = signed(sampleReport(), key);
      expect((await send(envelope)).status).toBe(201);
      // The answer was lost; the sidecar, back after weeks offline, sends the report it still holds.
      t.clock.now += 31 * DAY;
      const again = await send(envelope);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ duplicate: true });
      const refusals = (await (await t.request('GET', '/v1/reports/refusals', t.tokens.operator)).json()) as { refusals: unknown[] };
      expect(refusals.refusals).toEqual([]);
    });

    it('refuses other content under a known reportId with 409', async () => {
      const report = sampleReport();
      await send(signed(report, key));
      const res = await send(signed({ ...report, distance: 9 }, key));
      expect(res.status).toBe(409);
      expect(await errorCode(res)).toBe('CONFLICT');
      expect((await listed()).reports[0]?.distance).toBe(4);
    });
  });

  describe('when many reports arrive at once', () => {
    it('stores each once in its bundle and refuses a conflicting one alone', async () => {
      const reports = Array.from({ length: 20 }, () => sampleReport());
      const first = reports[0];
      if (first === undefined) throw new Error('no report');
      // Sent together, so that they share a group commit: the conflict rolls back its own savepoint only.
      const answers = await Promise.all([...reports.map((r) => send(signed(r, key))), send(signed({ ...first, distance: 9 }, key)), send(signed(first, key))]);
      const statuses = answers.map((r) => r.status);
      expect(statuses.slice(0, 20)).toEqual(Array.from({ length: 20 }, () => 201));
      expect(statuses.slice(20)).toEqual([409, 200]);
      const stored = t.centre.db.prepare<[], { report_id: string; distance: number }>('SELECT report_id, distance FROM reports').all();
      expect(stored.map((r) => r.report_id).sort()).toEqual(reports.map((r) => r.reportId).sort());
      expect(stored.every((r) => r.distance === 4)).toBe(true);
      // Every stored report is in exactly one bundle (the review queue's invariant), and each receipt was audited once.
      expect(t.centre.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM report_reviews').get()?.n).toBe(20);
      expect(t.centre.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM audit WHERE action = 'report.receive'").get()?.n).toBe(20);
    });
  });

  describe('when a report cannot be accepted', () => {
    it('refuses one signed by an unregistered key before looking at its payload', async () => {
      const stranger = generateSigningKey('hashfeed/provider/example-host');
      const res = await send(encodeEnvelope(signEnvelope(REPORT_PAYLOAD_TYPE, Uint8Array.from([0xc1]), [stranger])));
      expect(await errorCode(res)).toBe('REPORT_UNKNOWN_KEY');
    });

    it('refuses a payload altered after signing before decoding it', async () => {
      const envelope = signEnvelope(REPORT_PAYLOAD_TYPE, encodeReport(sampleReport()), [key]);
      const tampered = encodeEnvelope({ ...envelope, payload: Uint8Array.from([0xc1]) });
      expect(await errorCode(await send(tampered))).toBe('ENVELOPE_BAD_SIGNATURE');
    });

    it('refuses a key registered by another provider', async () => {
      const other = t.account('other-host', 'provider');
      const theirs = generateSigningKey('hashfeed/provider/other-host');
      await registerKey(theirs, other, 'other-host');
      expect(await errorCode(await send(signed(sampleReport(), theirs)))).toBe('REPORT_UNKNOWN_KEY');
    });

    it.each([
      ['for another provider', () => ({ provider: 'other-host' }), 'REPORT_WRONG_PROVIDER'],
      ['under an unknown order', () => ({ orderId: 'XX-1' }), 'REPORT_UNKNOWN_ORDER'],
    ])('refuses a report %s', async (_name, overrides, code) => {
      const res = await send(signed(sampleReport(overrides()), key));
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe(code);
    });

    it("refuses a report under another provider's order", async () => {
      t.account('other-host', 'provider');
      const order = { orderId: 'NL-1', issuingAuthority: 'Rechtbank', legalReference: 'R-1', provider: 'other-host', surfaces: ['x'], targets: { users: ['u'], groups: [], channels: [] }, notBefore: t.clock.now, notAfter: t.clock.now + DAY };
      await t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify(order), 'application/json');
      expect(await errorCode(await send(signed(sampleReport({ orderId: 'NL-1' }), key)))).toBe('REPORT_UNKNOWN_ORDER');
    });

    it('refuses another payload type', async () => {
      expect(await errorCode(await send(signed(sampleReport(), key, 'hashfeed/orders/v1')))).toBe('ENVELOPE_WRONG_TYPE');
    });

    it('refuses a signed payload that is not a report', async () => {
      const envelope = encodeEnvelope(signEnvelope(REPORT_PAYLOAD_TYPE, encodeMsgpack({ reportId: randomUUID() }), [key]));
      expect(await errorCode(await send(envelope))).toBe('WIRE_MISSING_FIELD');
    });

    it('refuses bytes that are not an envelope', async () => {
      expect(await errorCode(await send(Uint8Array.from([1, 2, 3])))).toBe('ENVELOPE_MALFORMED');
    });

    it('refuses a body over the cap with 413', async () => {
      const res = await send(new Uint8Array(MAX_REPORT_ENVELOPE_BYTES + 1));
      expect(res.status).toBe(413);
    });

    it('refuses another content type with 415', async () => {
      expect((await send(signed(sampleReport(), key), t.tokens.provider, 'application/json')).status).toBe(415);
    });

    it('stores nothing', async () => {
      await send(signed(sampleReport({ orderId: 'XX-1' }), key));
      expect((await listed()).reports).toEqual([]);
    });
  });

  describe('the operator listing', () => {
    it('pages and filters by provider and order', async () => {
      for (let i = 0; i < 3; i++) await send(signed(sampleReport(), key));
      const first = await listed('?limit=2');
      expect(first.reports).toHaveLength(2);
      const rest = await listed(`?after=${first.next ?? 0}`);
      expect(rest.reports).toHaveLength(1);
      expect((await listed('?provider=example-host&order=DE-2026-0001')).reports).toHaveLength(3);
      expect((await listed('?provider=other-host')).reports).toHaveLength(0);
      expect((await listed('?order=XX')).reports).toHaveLength(0);
    });
  });

  describe('a stored report', () => {
    it('cannot be altered, even by direct SQL', async () => {
      await send(signed(sampleReport(), key));
      expect(() => t.centre.db.prepare('UPDATE reports SET distance = 0').run()).toThrow(/append-only/);
    });
  });
});
