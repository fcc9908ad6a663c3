import { describe, expect, it } from 'vitest';
import {
  ACCESS_PAYLOAD_TYPE,
  checkSealedAgrees,
  decodeAccessList,
  decodeSealedObject,
  encodeAccessList,
  encryptionKeyId,
  encryptionPublicKeyOf,
  epochKeyCommitment,
  formatEncryptionPrivateKey,
  generateEncryptionKeyPair,
  generateEpochKey,
  openSealedObject,
  parseEncryptionPrivateKey,
  sealFeedObject,
  unwrapEpochKey,
  wrapEpochKey,
  type AccessList,
  type SealCode,
} from './index.ts';
import { SealError } from './errors.ts';
import { WireError } from '../wire/errors.ts';

async function sealCode(run: () => unknown): Promise<SealCode | 'none'> {
  try {
    await run();
    return 'none';
  } catch (err) {
    if (err instanceof SealError) return err.code;
    throw err;
  }
}

const feed = 'test-feed';

function sealedDelta(epochKey: Uint8Array, inner: Uint8Array, epoch = 1) {
  const header = { feed, version: 7, previous: 6, createdAt: 1_700_000_000_000, epoch, keyCommitment: epochKeyCommitment(feed, epoch, epochKey) };
  return { header, payload: sealFeedObject('delta', header, epochKey, inner) };
}

describe('sealed feed objects', () => {
  it('open to the exact inner payload under their epoch key', async () => {
    const key = generateEpochKey();
    const inner = new Uint8Array(9 * 1024 * 1024).map((_, i) => i % 251);
    const { payload } = sealedDelta(key, inner);
    const sealed = decodeSealedObject('delta', payload, payload.byteLength);
    expect(Buffer.from(await openSealedObject(sealed, key)).equals(Buffer.from(inner))).toBe(true);
    expect(Buffer.from(payload).includes(Buffer.from(inner.subarray(0, 64)))).toBe(false);
  });

  describe('when the ciphertext, the key or the header is not the one sealed', () => {
    it('refuses a flipped ciphertext bit (SEAL_BROKEN)', async () => {
      const key = generateEpochKey();
      const { payload } = sealedDelta(key, new Uint8Array([1, 2, 3, 4]));
      const sealed = decodeSealedObject('delta', payload, payload.byteLength);
      const ciphertext = Uint8Array.from(sealed.ciphertext);
      ciphertext[0] = (ciphertext[0] ?? 0) ^ 1;
      expect(await sealCode(() => openSealedObject({ ...sealed, ciphertext }, key))).toBe('SEAL_BROKEN');
    });

    it('refuses a key other than the committed one (SEAL_KEY_MISMATCH)', async () => {
      const { payload } = sealedDelta(generateEpochKey(), new Uint8Array([1]));
      const sealed = decodeSealedObject('delta', payload, payload.byteLength);
      expect(await sealCode(() => openSealedObject(sealed, generateEpochKey()))).toBe('SEAL_KEY_MISMATCH');
    });

    it('refuses a ciphertext moved under another version (SEAL_BROKEN)', async () => {
      const key = generateEpochKey();
      const { payload } = sealedDelta(key, new Uint8Array([1, 2]));
      const sealed = decodeSealedObject('delta', payload, payload.byteLength);
      expect(await sealCode(() => openSealedObject({ ...sealed, version: 8 }, key))).toBe('SEAL_BROKEN');
    });

    it('refuses an inner object that disagrees with the signed header (SEAL_BROKEN)', async () => {
      const { payload } = sealedDelta(generateEpochKey(), new Uint8Array([1]));
      const sealed = decodeSealedObject('delta', payload, payload.byteLength);
      expect(await sealCode(() => checkSealedAgrees(sealed, { feed, version: 7, previous: 5, createdAt: sealed.createdAt }))).toBe('SEAL_BROKEN');
      expect(await sealCode(() => checkSealedAgrees(sealed, { feed, version: 7, previous: 6, createdAt: sealed.createdAt }))).toBe('none');
    });
  });

  it('refuses a sealed snapshot decoded as a delta (unknown and missing fields)', () => {
    const key = generateEpochKey();
    const header = { feed, version: 3, createdAt: 1, epoch: 1, keyCommitment: epochKeyCommitment(feed, 1, key) };
    const payload = sealFeedObject('snapshot', header, key, new Uint8Array([9]));
    expect(() => decodeSealedObject('delta', payload, payload.byteLength)).toThrow(WireError);
  });
});

describe('epoch key wrapping (HPKE)', () => {
  const context = { feed, provider: 'acme', recipient: '0123456789abcdef', epoch: 4 };

  it('unwraps for the recipient in the same context', async () => {
    const pair = await generateEncryptionKeyPair();
    const epochKey = generateEpochKey();
    const wrap = await wrapEpochKey(pair.publicKey, context, epochKey);
    expect(Buffer.from(await unwrapEpochKey(pair.privateKey, context, wrap)).equals(Buffer.from(epochKey))).toBe(true);
  });

  it.each([
    ['another provider', { provider: 'other' }],
    ['another recipient key id', { recipient: 'fedcba9876543210' }],
    ['another epoch', { epoch: 5 }],
  ])('refuses a wrap made for %s (SEAL_UNWRAP_FAILED)', async (_label, change) => {
    const pair = await generateEncryptionKeyPair();
    const wrap = await wrapEpochKey(pair.publicKey, { ...context, ...change }, generateEpochKey());
    expect(await sealCode(() => unwrapEpochKey(pair.privateKey, context, wrap))).toBe('SEAL_UNWRAP_FAILED');
  });

  it('refuses a wrap for another private key (SEAL_UNWRAP_FAILED)', async () => {
    const [mine, theirs] = [await generateEncryptionKeyPair(), await generateEncryptionKeyPair()];
    const wrap = await wrapEpochKey(theirs.publicKey, context, generateEpochKey());
    expect(await sealCode(() => unwrapEpochKey(mine.privateKey, context, wrap))).toBe('SEAL_UNWRAP_FAILED');
  });

  it('round-trips the private key string and derives the public half', async () => {
    const pair = await generateEncryptionKeyPair();
    const parsed = parseEncryptionPrivateKey(`${formatEncryptionPrivateKey(pair.privateKey)}\n`);
    expect(Buffer.from(await encryptionPublicKeyOf(parsed)).equals(Buffer.from(pair.publicKey))).toBe(true);
    expect(encryptionKeyId(pair.publicKey)).toMatch(/^[0-9a-f]{16}$/);
    expect(await sealCode(() => parseEncryptionPrivateKey('hashfeed-seal-key-v1:AAAA'))).toBe('SEAL_KEY_MALFORMED');
  });
});

describe('access list', () => {
  const granted: AccessList = {
    provider: 'acme',
    feed,
    issuedAt: 5,
    policy: 'order',
    entitled: true,
    basis: 'order-1',
    currentEpoch: 2,
    keys: [{ epoch: 2, recipient: '0123456789abcdef', keyCommitment: new Uint8Array(32), enc: new Uint8Array(32), wrapped: new Uint8Array(48) }],
  };

  it('round-trips', () => {
    expect(ACCESS_PAYLOAD_TYPE).toBe('hashfeed/access/v1');
    const decoded = decodeAccessList(encodeAccessList(granted));
    expect(Buffer.from(encodeAccessList(decoded)).equals(Buffer.from(encodeAccessList(granted)))).toBe(true);
    expect(decoded.basis).toBe('order-1');
  });

  it.each([
    ['entitled without a basis', { basis: undefined }],
    ['keys and a reason together', { reason: 'NO_ENCRYPTION_KEY' as const }],
    ['no keys and no reason', { keys: [] }],
    ['a refusal with keys', { entitled: false, basis: undefined, reason: 'NO_ACTIVE_ORDER' as const }],
    ['an unknown policy', { policy: 'anyone' }],
  ])('refuses %s', (_label, change) => {
    const list = { ...granted, ...change };
    expect(() => decodeAccessList(encodeAccessList(list as AccessList))).toThrow(WireError);
  });
});
