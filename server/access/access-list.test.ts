import { feedHashLayout } from '../../shared/wire/hash-layout.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeEnvelope, generateSigningKey } from '../../shared/crypto/index.ts';
import { decodeSealedObject, epochKeyCommitment, generateEncryptionKeyPair, openSealedObject, SEALED_DELTA_PAYLOAD_TYPE } from '../../shared/seal/index.ts';
import { codeOfAsync } from '../../shared/testing/code-of.ts';
import { KEY_PURPOSES } from '../../shared/trust/index.ts';
import { openSigned, trustedRootFrom } from '../../shared/trust/testing/trusted-root.ts';
import { decodeDelta } from '../../shared/wire/delta.ts';
import { enrolProvider, fetchAccessList, giveOrder, registerEncryptionKey, registrationOf, unwrapAll } from '../testing/access-fixture.ts';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const DAY = 86_400_000;
let t: TestCentre | undefined;
afterEach(async () => {
  await t?.centre.wraps.settled();
  t?.close();
  t = undefined;
});

async function publishViaApi(centre: TestCentre): Promise<{ version: number; epoch: number; epochBegan: string | null }> {
  const res = await centre.request('POST', '/v1/publish', centre.tokens.operator);
  expect(res.status).toBe(201);
  return (await res.json()) as { version: number; epoch: number; epochBegan: string | null };
}

describe('the sealed feed', () => {
  describe('when a provider with an order in force fetches its access list after a publication', () => {
    it('gets the current epoch key, wrapped for its encryption key, that opens the sealed delta', async () => {
      t = createTestCentre();
      const provider = await enrolProvider(t, 'example-host');
      await giveOrder(t, 'example-host', 'DE-2026-0001', t.clock.now);
      await publishIndicators(t, 2);

      const list = await fetchAccessList(t, provider.token);
      expect(list).toMatchObject({ provider: 'example-host', feed: 'eu-centre', policy: 'order', entitled: true, basis: 'DE-2026-0001', currentEpoch: 1, issuedAt: t.clock.now });
      expect(list.keys.map((k) => [k.epoch, k.recipient])).toEqual([[1, provider.keyId]]);
      const keys = await unwrapAll(t, provider, list);
      const epochKey = keys.get(1) ?? new Uint8Array();
      expect(Buffer.from(list.keys[0]?.keyCommitment ?? [])).toEqual(Buffer.from(epochKeyCommitment('eu-centre', 1, epochKey)));

      // The delta is signed as a sealed delta by the feed key; only the epoch key opens it.
      const envelope = t.centre.publisher.deltaEnvelope(1) ?? new Uint8Array();
      const root = trustedRootFrom(new Uint8Array(await (await t.request('GET', '/v1/feed/keys', provider.token)).arrayBuffer()), t.rootVerifierKey);
      const sealed = decodeSealedObject('delta', openSigned(envelope, SEALED_DELTA_PAYLOAD_TYPE, root, KEY_PURPOSES.feed, t.clock.now), 1 << 20);
      expect(sealed).toMatchObject({ feed: 'eu-centre', version: 1, previous: 0, epoch: 1 });
      const delta = decodeDelta(await openSealedObject(sealed, epochKey), feedHashLayout, 1 << 20);
      expect(delta.version).toBe(1);
      expect(delta.adds.flatMap((g) => [...g.ids])).toHaveLength(2);
    });

    it('answers the same wraps again, signed afresh and never cached', async () => {
      t = createTestCentre();
      const provider = await enrolProvider(t, 'example-host');
      await giveOrder(t, 'example-host', 'DE-2026-0001', t.clock.now);
      await publishIndicators(t, 1);
      const first = await fetchAccessList(t, provider.token);
      t.clock.now += 1000;
      const res = await t.request('GET', '/v1/feed/access', provider.token);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(decodeEnvelope(new Uint8Array(await res.arrayBuffer())).payloadType).toBe('hashfeed/access/v1');
      const second = await fetchAccessList(t, provider.token);
      expect(second.issuedAt).toBeGreaterThan(first.issuedAt);
      expect(second.keys).toEqual(first.keys);
    });
  });

  describe('entitlement', () => {
    it('under policy order, refuses a provider without an order in force (NO_ACTIVE_ORDER), and one whose order has not begun', async () => {
      t = createTestCentre();
      const provider = await enrolProvider(t, 'example-host');
      await publishIndicators(t, 1);
      expect(await fetchAccessList(t, provider.token)).toMatchObject({ entitled: false, reason: 'NO_ACTIVE_ORDER', keys: [], currentEpoch: 1 });
      await giveOrder(t, 'example-host', 'DE-2026-0002', t.clock.now + DAY);
      expect(await fetchAccessList(t, provider.token)).toMatchObject({ entitled: false, reason: 'NO_ACTIVE_ORDER' });
      t.clock.now += DAY;
      expect(await fetchAccessList(t, provider.token)).toMatchObject({ entitled: true, basis: 'DE-2026-0002' });
    });

    it('names as basis the order in force that runs longest', async () => {
      t = createTestCentre();
      await giveOrder(t, 'example-host', 'DE-SHORT', t.clock.now, 2);
      await giveOrder(t, 'example-host', 'DE-LONG', t.clock.now, 30);
      const account = t.centre.accounts.byName('example-host');
      if (account === undefined) throw new Error('no account');
      expect(t.centre.entitlement.of(account, t.clock.now)).toEqual({ entitled: true, basis: 'DE-LONG' });
      expect((await t.request('POST', '/v1/orders/DE-LONG/end', t.tokens.operator, JSON.stringify({ reason: 'court revoked it' }), 'application/json')).status).toBe(200);
      expect(t.centre.entitlement.of(account, t.clock.now)).toEqual({ entitled: true, basis: 'DE-SHORT' });
      expect(t.centre.entitlement.of(account, t.clock.now + 2 * DAY)).toEqual({ entitled: false, reason: 'NO_ACTIVE_ORDER' });
    });

    it('under policy account, entitles every enabled provider without an order', async () => {
      t = createTestCentre({ accessPolicy: 'account' });
      const provider = await enrolProvider(t, 'example-host');
      await publishIndicators(t, 1);
      const list = await fetchAccessList(t, provider.token);
      expect(list).toMatchObject({ policy: 'account', entitled: true, basis: 'account' });
      expect(list.keys).toHaveLength(1);
      const disabled = { ...(t.centre.accounts.byName('example-host') ?? fail()), disabledAt: t.clock.now };
      expect(t.centre.entitlement.of(disabled, t.clock.now)).toEqual({ entitled: false, reason: 'ACCOUNT_DISABLED' });
    });

    it('tells an entitled provider without an encryption key NO_ENCRYPTION_KEY, and one before any publication NO_EPOCH_KEY', async () => {
      t = createTestCentre({ accessPolicy: 'account' });
      expect(await fetchAccessList(t, t.tokens.provider)).toMatchObject({ entitled: true, basis: 'account', reason: 'NO_ENCRYPTION_KEY', currentEpoch: 0 });
      const provider = await enrolProvider(t, 'example-host');
      expect(await fetchAccessList(t, provider.token)).toMatchObject({ entitled: true, reason: 'NO_EPOCH_KEY', currentEpoch: 0, keys: [] });
    });
  });

  describe('when an order lapses', () => {
    it('starts a new epoch at the next publication that the lapsed provider does not receive, while an entitled one gets it and keeps the earlier key', async () => {
      t = createTestCentre();
      const lapsing = await enrolProvider(t, 'example-host');
      const staying = await enrolProvider(t, 'other-host');
      await giveOrder(t, 'example-host', 'DE-SHORT', t.clock.now, 1);
      await giveOrder(t, 'other-host', 'DE-LONG', t.clock.now, 30);
      await publishIndicators(t, 1);
      const lapsedKeys = await unwrapAll(t, lapsing, await fetchAccessList(t, lapsing.token));
      await fetchAccessList(t, staying.token);
      expect([...lapsedKeys.keys()]).toEqual([1]);

      t.clock.now += 2 * DAY;
      // Nothing changes until the next publication (PROTOCOL 13.2): the schedule says a new epoch is due.
      expect(t.centre.epochs.current()?.epoch).toBe(1);
      await publishIndicators(t, 1);
      expect(t.centre.epochs.current()).toMatchObject({ epoch: 2, reason: 'entitlement', version: 2 });
      await t.centre.wraps.settled();

      expect(await fetchAccessList(t, lapsing.token)).toMatchObject({ entitled: false, reason: 'NO_ACTIVE_ORDER', keys: [], currentEpoch: 2 });
      const stayingList = await fetchAccessList(t, staying.token);
      expect(stayingList.keys.map((k) => k.epoch)).toEqual([2, 1]);
      const stayingKeys = await unwrapAll(t, staying, stayingList);

      const sealed = decodeSealedObject('delta', decodeEnvelope(t.centre.publisher.deltaEnvelope(2) ?? new Uint8Array()).payload, 1 << 20);
      expect(sealed.epoch).toBe(2);
      expect(await codeOfAsync(openSealedObject(sealed, lapsedKeys.get(1) ?? new Uint8Array()))).toBe('SEAL_KEY_MISMATCH');
      await expect(openSealedObject(sealed, stayingKeys.get(2) ?? new Uint8Array())).resolves.toBeInstanceOf(Uint8Array);

      const ends = t.centre.accessLog.page({ event: 'end', afterId: 0, limit: 10 });
      expect(ends).toMatchObject([{ provider: 'example-host', event: 'end', reason: 'NO_ACTIVE_ORDER' }]);
    });
  });

  describe('when a provider revokes its encryption key', () => {
    it('starts a new epoch at the next publication, even an empty one, and wraps nothing more for the revoked key', async () => {
      t = createTestCentre({ accessPolicy: 'account' });
      const provider = await enrolProvider(t, 'example-host');
      await publishIndicators(t, 1);
      await fetchAccessList(t, provider.token);
      const revoked = await t.request('POST', `/v1/provider/encryption-keys/${provider.keyId}/revoke`, provider.token, JSON.stringify({ reason: 'sidecar host retired' }), 'application/json');
      expect(revoked.status).toBe(200);
      expect(await revoked.json()).toMatchObject({ keyId: provider.keyId, status: 'revoked', changed: true, revokeReason: 'sidecar host retired' });
      expect(t.centre.epochs.rotationRequested()).toBe(true);

      expect(await publishViaApi(t)).toMatchObject({ version: 2, epoch: 2, epochBegan: 'requested' });
      expect(await fetchAccessList(t, provider.token)).toMatchObject({ entitled: true, reason: 'NO_ENCRYPTION_KEY', keys: [] });
      // Once rotated, an empty publication is refused again.
      expect((await t.request('POST', '/v1/publish', t.tokens.operator)).status).toBe(409);
    });

    it('refuses another provider revoking it (ENCRYPTION_KEY_NOT_FOUND) and lets an operator', async () => {
      t = createTestCentre();
      const provider = await enrolProvider(t, 'example-host');
      const other = await enrolProvider(t, 'other-host');
      const revoke = (token: string) => t?.request('POST', `/v1/provider/encryption-keys/${provider.keyId}/revoke`, token, JSON.stringify({ reason: 'compromised' }), 'application/json');
      const refused = await revoke(other.token);
      expect(refused?.status).toBe(404);
      expect(await refused?.json()).toMatchObject({ error: { code: 'ENCRYPTION_KEY_NOT_FOUND' } });
      expect((await revoke(t.tokens.operator))?.status).toBe(200);
    });
  });

  describe('registering an encryption key', () => {
    it('refuses one signed by a key the provider never registered (a stolen token alone), wrapping nothing', async () => {
      t = createTestCentre({ accessPolicy: 'account' });
      const pair = await generateEncryptionKeyPair();
      const thief = generateSigningKey('thief');
      const res = await registerEncryptionKey(t, t.tokens.provider, registrationOf('example-host', pair.publicKey, thief, t.clock.now));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'ENCRYPTION_KEY_UNKNOWN_SIGNER' } });
      await publishIndicators(t, 1);
      expect(await fetchAccessList(t, t.tokens.provider)).toMatchObject({ reason: 'NO_ENCRYPTION_KEY', keys: [] });
    });

    it('keeps one signed by a report key awaiting approval pending, wrapping nothing until the operator approves it', async () => {
      t = createTestCentre({ accessPolicy: 'account' });
      const provider = await enrolProvider(t, 'example-host', { approveReportKey: false });
      await publishIndicators(t, 1);
      expect(await fetchAccessList(t, provider.token)).toMatchObject({ entitled: true, reason: 'ENCRYPTION_KEY_PENDING', keys: [] });
      const listed = await (await t.request('GET', '/v1/provider/encryption-keys', provider.token)).json();
      expect(listed).toMatchObject({ keys: [{ keyId: provider.keyId, status: 'pending', signedBy: provider.reportKey.keyIdHex }] });
      await t.request('POST', `/v1/provider/keys/${provider.reportKey.keyIdHex}/approve`, t.tokens.operator, JSON.stringify({ provider: 'example-host' }), 'application/json');
      expect((await fetchAccessList(t, provider.token)).keys).toHaveLength(1);
    });

    it('answers 200 for the same key again, and refuses another provider\'s key, another provider\'s name and a malformed body', async () => {
      t = createTestCentre();
      const provider = await enrolProvider(t, 'example-host');
      const again = await registerEncryptionKey(t, provider.token, registrationOf('example-host', provider.encryption.publicKey, provider.reportKey, t.clock.now));
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ keyId: provider.keyId, status: 'active', created: false });

      const other = await enrolProvider(t, 'other-host');
      const taken = await registerEncryptionKey(t, other.token, registrationOf('other-host', provider.encryption.publicKey, other.reportKey, t.clock.now));
      expect(taken.status).toBe(409);
      expect(await taken.json()).toMatchObject({ error: { code: 'ENCRYPTION_KEY_TAKEN' } });

      const pair = await generateEncryptionKeyPair();
      const wrongName = await registerEncryptionKey(t, other.token, registrationOf('example-host', pair.publicKey, other.reportKey, t.clock.now));
      expect(await wrongName.json()).toMatchObject({ error: { code: 'ENCRYPTION_KEY_WRONG_PROVIDER' } });

      const malformed = await registerEncryptionKey(t, other.token, new Uint8Array([0xc1, 0x00]));
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ error: { code: 'ENCRYPTION_KEY_MALFORMED' } });

      const tooLarge = await registerEncryptionKey(t, other.token, new Uint8Array(5000));
      expect(tooLarge.status).toBe(413);
    });

    it('lists a provider\'s keys to an operator who names it', async () => {
      t = createTestCentre();
      const provider = await enrolProvider(t, 'example-host');
      const res = await t.request('GET', '/v1/provider/encryption-keys?provider=example-host', t.tokens.operator);
      expect(await res.json()).toMatchObject({ keys: [{ keyId: provider.keyId, provider: 'example-host', status: 'active', revokedAt: null }] });
      expect((await t.request('GET', '/v1/provider/encryption-keys', t.tokens.operator)).status).toBe(400);
    });
  });

  describe('after a publication that starts an epoch', () => {
    it('wraps the new key in the background for every entitled provider, and for no one else', async () => {
      t = createTestCentre();
      const entitled = await enrolProvider(t, 'example-host');
      await enrolProvider(t, 'other-host');
      await giveOrder(t, 'example-host', 'DE-2026-0001', t.clock.now);
      await publishIndicators(t, 1);
      await t.centre.wraps.settled();
      const wraps = t.centre.accessLog.page({ event: 'wrap', afterId: 0, limit: 10 });
      expect(wraps).toMatchObject([{ provider: 'example-host', epoch: 1, recipient: entitled.keyId, basis: 'DE-2026-0001' }]);
      expect(t.centre.accessLog.page({ event: 'grant', afterId: 0, limit: 10 })).toMatchObject([{ provider: 'example-host', basis: 'DE-2026-0001' }]);
    });
  });
});

function fail(): never {
  throw new Error('missing');
}
