import { decodeEnvelope, encodeEnvelope, generateSigningKey, signEnvelope, type SigningKey } from '../../shared/crypto/index.ts';
import {
  ACCESS_PAYLOAD_TYPE,
  decodeAccessList,
  ENCRYPTION_KEM,
  ENCRYPTION_KEY_PAYLOAD_TYPE,
  encodeEncryptionKeyRegistration,
  encryptionKeyId,
  generateEncryptionKeyPair,
  unwrapEpochKey,
  type AccessList,
  type EncryptionKeyPair,
} from '../../shared/seal/index.ts';
import { sampleOrder } from '../../shared/testing/sample-order.ts';
import { KEY_PURPOSES, usableKeys } from '../../shared/trust/index.ts';
import { openSigned, trustedRootFrom } from '../../shared/trust/testing/trusted-root.ts';
import type { TestCentre } from './test-centre.ts';

/** A provider with a report key and an encryption key registered (tests only). */
export interface EnrolledProvider {
  readonly name: string;
  readonly token: string;
  readonly reportKey: SigningKey;
  readonly encryption: EncryptionKeyPair;
  readonly keyId: string;
}

const MSGPACK = 'application/msgpack';

async function expectStatus(res: Response, status: number, what: string): Promise<Response> {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res;
}

/** The registration envelope of `publicKey` for `provider`, signed by `signer`. */
export function registrationOf(provider: string, publicKey: Uint8Array, signer: SigningKey, createdAt: number): Uint8Array<ArrayBuffer> {
  const payload = encodeEncryptionKeyRegistration({ provider, kem: ENCRYPTION_KEM, publicKey, createdAt });
  return new Uint8Array(encodeEnvelope(signEnvelope(ENCRYPTION_KEY_PAYLOAD_TYPE, payload, [signer])));
}

export function registerEncryptionKey(t: TestCentre, token: string, envelope: Uint8Array<ArrayBuffer>): Promise<Response> {
  return t.request('POST', '/v1/provider/encryption-keys', token, envelope, MSGPACK);
}

/**
 * Creates the provider (or uses example-host's token), registers a report
 * key (approved unless `approveReportKey` is false) and an encryption key
 * signed by it.
 */
export async function enrolProvider(t: TestCentre, name: string, options: { approveReportKey?: boolean } = {}): Promise<EnrolledProvider> {
  const token = name === 'example-host' ? t.tokens.provider : t.account(name, 'provider');
  const reportKey = generateSigningKey(`${name}-sidecar`);
  await expectStatus(await t.request('POST', '/v1/provider/keys', token, JSON.stringify({ verifierKey: reportKey.verifier.text }), 'application/json'), 201, 'report key');
  if (options.approveReportKey !== false) {
    await expectStatus(
      await t.request('POST', `/v1/provider/keys/${reportKey.keyIdHex}/approve`, t.tokens.operator, JSON.stringify({ provider: name }), 'application/json'),
      200,
      'approve report key',
    );
  }
  const encryption = await generateEncryptionKeyPair();
  await expectStatus(await registerEncryptionKey(t, token, registrationOf(name, encryption.publicKey, reportKey, t.clock.now)), 201, 'encryption key');
  return { name, token, reportKey, encryption, keyId: encryptionKeyId(encryption.publicKey) };
}

/** Registers a detection order for `provider` from `notBefore`, lasting `days`. */
export async function giveOrder(t: TestCentre, provider: string, orderId: string, notBefore: number, days = 1): Promise<void> {
  const order = sampleOrder(notBefore, { orderId, provider, notAfter: notBefore + days * 86_400_000 });
  await expectStatus(await t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify(order), 'application/json'), 201, 'order');
}

/** GET /v1/feed/access, verified as a sidecar verifies it (a provider-list key of the root), then decoded. */
export async function fetchAccessList(t: TestCentre, token: string): Promise<AccessList> {
  const res = await expectStatus(await t.request('GET', '/v1/feed/access', token), 200, 'access list');
  const bytes = new Uint8Array(await res.arrayBuffer());
  const root = trustedRootFrom(new Uint8Array(await (await t.request('GET', '/v1/feed/keys', token)).arrayBuffer()), t.rootVerifierKey);
  if (usableKeys(root, KEY_PURPOSES.providerList, t.clock.now).length === 0) throw new Error('no provider-list key');
  if (decodeEnvelope(bytes).payloadType !== ACCESS_PAYLOAD_TYPE) throw new Error('not an access list');
  return decodeAccessList(openSigned(bytes, ACCESS_PAYLOAD_TYPE, root, KEY_PURPOSES.providerList, t.clock.now));
}

/** The epoch keys a provider opens from its access list, by epoch (what its sidecar would hold). */
export async function unwrapAll(t: TestCentre, provider: EnrolledProvider, list: AccessList): Promise<Map<number, Uint8Array>> {
  const keys = new Map<number, Uint8Array>();
  for (const k of list.keys.filter((key) => key.recipient === provider.keyId)) {
    const context = { feed: t.centre.config.feed, provider: provider.name, recipient: k.recipient, epoch: k.epoch };
    keys.set(k.epoch, await unwrapEpochKey(provider.encryption.privateKey, context, k));
  }
  return keys;
}
