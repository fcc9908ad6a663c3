import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../shared/crypto/index.ts';
import { fetchAccessList, giveOrder, registerEncryptionKey, registrationOf } from '../testing/access-fixture.ts';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

let t: TestCentre | undefined;
afterEach(async () => {
  await t?.centre.wraps.settled();
  t?.close();
  t = undefined;
});

/** X25519 points of small order (RFC 7748 section 6.1): no key pair has them, and HPKE refuses to encapsulate to them. */
const SMALL_ORDER_POINTS = [
  ['zero', '0000000000000000000000000000000000000000000000000000000000000000'],
  ['one', '0100000000000000000000000000000000000000000000000000000000000000'],
  ['order 8', 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'],
] as const;

describe('POST /v1/provider/encryption-keys', () => {
  describe('when the public key is a point of small order', () => {
    it.each(SMALL_ORDER_POINTS)('refuses it (%s) as ENCRYPTION_KEY_MALFORMED, so that no wrap for it ever fails', async (_name, hex) => {
      t = createTestCentre();
      const reportKey = generateSigningKey('example-host-sidecar');
      expect((await t.request('POST', '/v1/provider/keys', t.tokens.provider, JSON.stringify({ verifierKey: reportKey.verifier.text }), 'application/json')).status).toBe(201);
      const approved = await t.request('POST', `/v1/provider/keys/${reportKey.keyIdHex}/approve`, t.tokens.operator, JSON.stringify({ provider: 'example-host' }), 'application/json');
      expect(approved.status).toBe(200);

      const res = await registerEncryptionKey(t, t.tokens.provider, registrationOf('example-host', new Uint8Array(Buffer.from(hex, 'hex')), reportKey, t.clock.now));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ENCRYPTION_KEY_MALFORMED');
      await giveOrder(t, 'example-host', 'DE-2026-0001', t.clock.now);
      await publishIndicators(t, 1);
      expect(await fetchAccessList(t, t.tokens.provider)).toMatchObject({ entitled: true, reason: 'NO_ENCRYPTION_KEY' });
    });
  });
});
