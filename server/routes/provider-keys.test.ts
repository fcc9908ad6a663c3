import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeEnvelope, generateSigningKey, signEnvelope, VerifierKey, type SigningKey } from '../../shared/crypto/index.ts';
import { sampleOrder } from '../../shared/testing/sample-order.ts';
import { encodeReport, REPORT_PAYLOAD_TYPE, type Report } from '../../shared/wire/report.ts';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const DAY = 86_400_000;
const body = async (res: Response): Promise<Record<string, unknown>> => Object.fromEntries(Object.entries((await res.json()) as object));
const errorCode = async (res: Response): Promise<string> => ((await res.json()) as { error: { code: string } }).error.code;

describe('provider report keys', () => {
  let t: TestCentre;
  let key: SigningKey;
  /** A published indicator the reports cite (the Centre refuses reports on anything else). */
  let indicatorId: number;

  const register = (verifierKey: string, token = t.tokens.provider): Promise<Response> =>
    t.request('POST', '/v1/provider/keys', token, JSON.stringify({ verifierKey }), 'application/json');
  const decide = (decision: 'approve' | 'revoke', keyId: string, payload: Record<string, unknown> = { provider: 'example-host' }, token = t.tokens.operator): Promise<Response> =>
    t.request('POST', `/v1/provider/keys/${keyId}/${decision}`, token, JSON.stringify(payload), 'application/json');
  const report = (): Report => ({
    reportId: randomUUID(),
    provider: 'example-host',
    orderId: 'DE-2026-0001',
    indicatorIds: [indicatorId],
    algorithm: 'pdq',
    distance: 4,
    surface: 'public-posts',
    subject: 'user:u-1001',
    detectedAt: t.clock.now,
    preview: null,
    sidecarVersion: '0.1.0',
    replicaVersion: 1,
    stale: false,
  });
  const send = (signer: SigningKey): Promise<Response> =>
    t.request('POST', '/v1/reports', t.tokens.provider, Uint8Array.from(encodeEnvelope(signEnvelope(REPORT_PAYLOAD_TYPE, encodeReport(report()), [signer]))), 'application/msgpack');

  beforeEach(async () => {
    t = createTestCentre();
    key = generateSigningKey('hashfeed/provider-sidecar');
    const order = sampleOrder(t.clock.now - DAY, { targets: { users: ['u-1001'], groups: [], channels: [] }, notAfter: t.clock.now + 30 * DAY });
    expect((await t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify(order), 'application/json')).status).toBe(201);
    [indicatorId = 0] = await publishIndicators(t, 1);
  });
  afterEach(() => t.close());

  describe('when a provider registers a key with its token alone', () => {
    it('keeps the key pending and refuses reports signed by it with 403 REPORT_KEY_PENDING', async () => {
      const registered = await register(key.verifier.text);
      expect(registered.status).toBe(201);
      expect(await body(registered)).toMatchObject({ keyId: key.keyIdHex, status: 'pending', created: true });
      const res = await send(key);
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe('REPORT_KEY_PENDING');
    });

    it('lists it for operators as pending', async () => {
      await register(key.verifier.text);
      const res = await t.request('GET', '/v1/provider/keys?status=pending', t.tokens.operator);
      expect(res.status).toBe(200);
      expect(await body(res)).toMatchObject({ keys: [{ provider: 'example-host', verifierKey: key.verifier.text, keyId: key.keyIdHex, status: 'pending' }], next: null });
      expect(await body(await t.request('GET', '/v1/provider/keys?status=approved', t.tokens.operator))).toMatchObject({ keys: [] });
    });
  });

  describe('when an operator approves the key', () => {
    it('accepts reports signed by it, and audits the approval', async () => {
      await register(key.verifier.text);
      const approved = await decide('approve', key.keyIdHex);
      expect(approved.status).toBe(200);
      expect(await body(approved)).toMatchObject({ status: 'approved', approvedBy: 'centre-op', approvedAt: t.clock.now, changed: true });
      expect((await send(key)).status).toBe(201);
      const audit = (await (await t.request('GET', '/v1/audit', t.tokens.admin)).json()) as { entries: { actor: string; action: string; subject: string }[] };
      expect(audit.entries).toContainEqual(expect.objectContaining({ actor: 'centre-op', action: 'provider-key.approve', subject: 'example-host' }));
    });

    it('answers a second approval as unchanged, and re-registration keeps it approved', async () => {
      await register(key.verifier.text);
      await decide('approve', key.keyIdHex);
      expect(await body(await decide('approve', key.keyIdHex))).toMatchObject({ status: 'approved', changed: false });
      expect(await body(await register(key.verifier.text))).toMatchObject({ status: 'approved', created: false });
    });

    it('takes the full verifier key and refuses one that does not match the key ID', async () => {
      await register(key.verifier.text);
      const other = generateSigningKey('hashfeed/provider-sidecar');
      expect(await errorCode(await decide('approve', key.keyIdHex, { provider: 'example-host', verifierKey: other.verifier.text }))).toBe('BAD_REQUEST');
      expect((await decide('approve', key.keyIdHex, { provider: 'example-host', verifierKey: key.verifier.text })).status).toBe(200);
    });

    it('looks the key up under the named provider only', async () => {
      t.account('other-host', 'provider');
      await register(key.verifier.text);
      const res = await decide('approve', key.keyIdHex, { provider: 'other-host' });
      expect(res.status).toBe(404);
      expect(await errorCode(res)).toBe('PROVIDER_KEY_NOT_FOUND');
    });

    it('is for operators only', async () => {
      await register(key.verifier.text);
      expect((await decide('approve', key.keyIdHex, { provider: 'example-host' }, t.tokens.provider)).status).toBe(403);
      expect((await t.request('GET', '/v1/provider/keys', t.tokens.provider)).status).toBe(403);
    });
  });

  describe('when an operator revokes the key', () => {
    it('refuses reports signed by it with REPORT_KEY_REVOKED and never approves it again', async () => {
      await register(key.verifier.text);
      await decide('approve', key.keyIdHex);
      expect(await body(await decide('revoke', key.keyIdHex))).toMatchObject({ status: 'revoked', revokedBy: 'centre-op', changed: true });
      expect(await errorCode(await send(key))).toBe('REPORT_KEY_REVOKED');
      const again = await decide('approve', key.keyIdHex);
      expect(again.status).toBe(409);
      expect(await errorCode(again)).toBe('PROVIDER_KEY_REVOKED');
      expect(await body(await register(key.verifier.text))).toMatchObject({ status: 'revoked', created: false });
    });

    it('refuses the revoked key registered again under another name with 409 (a revoked key is never trusted again)', async () => {
      await register(key.verifier.text);
      await decide('approve', key.keyIdHex);
      await decide('revoke', key.keyIdHex);
      const renamed = new VerifierKey('hashfeed/fresh-looking', key.verifier.publicKey);
      const res = await register(renamed.text);
      expect(res.status).toBe(409);
      expect(await errorCode(res)).toBe('STORE_CONFLICT');
      expect((await decide('approve', renamed.keyIdHex)).status).toBe(404);
    });
  });

  describe('when the provider registers its key again under another name', () => {
    it('refuses it with 409 (one row per key: revoking it by one name must leave no other name trusted)', async () => {
      await register(key.verifier.text);
      await decide('approve', key.keyIdHex);
      const renamed = new VerifierKey('hashfeed/second-name', key.verifier.publicKey);
      const res = await register(renamed.text);
      expect(res.status).toBe(409);
      expect(await errorCode(res)).toBe('STORE_CONFLICT');
    });
  });

  describe('when another provider registers the same key', () => {
    it('refuses it with 409 under the same name', async () => {
      await register(key.verifier.text);
      expect((await register(key.verifier.text, t.account('other-host', 'provider'))).status).toBe(409);
    });

    it('refuses it with 409 under another name too (a key is one provider\'s, whatever its name)', async () => {
      await register(key.verifier.text);
      const renamed = new VerifierKey('hashfeed/squatter', key.verifier.publicKey);
      const res = await register(renamed.text, t.account('other-host', 'provider'));
      expect(res.status).toBe(409);
      expect(await errorCode(res)).toBe('STORE_CONFLICT');
    });
  });

  describe('when a decision names something that is not a key', () => {
    it.each([
      ['a key ID that is not 8 hex digits', 'zz', { provider: 'example-host' }, 400],
      ['no provider', '0123abcd', {}, 400],
      ['an unknown key', '0123abcd', { provider: 'example-host' }, 404],
      ['an unknown provider', '0123abcd', { provider: 'nobody' }, 404],
    ])('refuses %s', async (_name, keyId, payload, status) => {
      expect((await decide('approve', keyId, payload)).status).toBe(status);
    });
  });
});
