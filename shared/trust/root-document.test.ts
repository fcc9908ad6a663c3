import { describe, expect, it } from 'vitest';
import { generateSigningKey, VerifierKey } from '../crypto/index.ts';
import { encodeMsgpack } from '../wire/codec.ts';
import { checkRootDocument, decodeRootDocument, encodeRootDocument, type RootDocument } from './root-document.ts';
import { TrustError } from './errors.ts';

const root = generateSigningKey('hashfeed/test/root');
const feedKey = generateSigningKey('hashfeed/test/feed');
const checkpointKey = generateSigningKey('hashfeed/test');

const base: RootDocument = {
  feed: 'test',
  version: 1,
  issuedAt: 1_700_000_000_000,
  rootKeys: [root.verifier],
  rootThreshold: 1,
  keys: [
    { verifierKey: feedKey.verifier, purpose: 'feed', notBefore: 0, notAfter: 2_000_000_000_000 },
    { verifierKey: checkpointKey.verifier, purpose: 'checkpoint', notBefore: 0, notAfter: 2_000_000_000_000 },
  ],
  revoked: [{ verifierKey: feedKey.verifier, revokedAt: 1_700_000_000_000, reason: 'stolen laptop' }],
};

const problem = (value: RootDocument): string | undefined => {
  try {
    checkRootDocument(value);
    return undefined;
  } catch (err) {
    return err instanceof TrustError ? err.code : String(err);
  }
};

describe('root document', () => {
  it('round-trips through its encoding', () => {
    const decoded = decodeRootDocument(encodeRootDocument(base));
    expect(decoded.version).toBe(1);
    expect(decoded.rootKeys.map((k) => k.text)).toEqual([root.verifier.text]);
    expect(decoded.keys.map((k) => [k.verifierKey.text, k.purpose])).toEqual(base.keys.map((k) => [k.verifierKey.text, k.purpose]));
    expect(decoded.revoked[0]?.reason).toBe('stolen laptop');
  });

  it.each<[string, Partial<RootDocument>]>([
    ['a threshold above the number of root keys', { rootThreshold: 2 }],
    ['a threshold of zero', { rootThreshold: 0 }],
    ['no root keys', { rootKeys: [], rootThreshold: 0 }],
    ['version 0', { version: 0 }],
    ['a root key that is also an online key', { keys: [{ verifierKey: root.verifier, purpose: 'feed', notBefore: 0, notAfter: 1 }], revoked: [] }],
    ['a key listed twice', { keys: [base.keys[0]!, { ...base.keys[0]!, purpose: 'timestamp' }] }],
    ['one public key listed for two purposes under two names', { keys: [...base.keys, { ...base.keys[0]!, verifierKey: new VerifierKey('hashfeed/test/timestamp', feedKey.verifier.publicKey), purpose: 'timestamp' }] }],
    ['one public key listed as two root keys', { rootKeys: [root.verifier, new VerifierKey('hashfeed/test/root-2', root.verifier.publicKey)], rootThreshold: 2 }],
    ['a window that ends before it starts', { keys: [{ ...base.keys[0]!, notBefore: 5, notAfter: 5 }], revoked: [] }],
    ['a checkpoint key not named after the log origin', { keys: [{ ...base.keys[0]!, purpose: 'checkpoint' }], revoked: [] }],
    ['a revocation of an unlisted key', { revoked: [{ verifierKey: root.verifier, revokedAt: 1, reason: 'x' }] }],
    ['a key revoked twice', { revoked: [base.revoked[0]!, base.revoked[0]!] }],
    ['a reason with a control character', { revoked: [{ ...base.revoked[0]!, reason: 'a\nb' }] }],
  ])('refuses %s', (_, overrides) => {
    expect(problem({ ...base, ...overrides })).toBe('ROOT_MALFORMED');
  });

  it('refuses unknown fields, missing fields and malformed keys when decoding', () => {
    const wire = { feed: 'test', version: 1, issuedAt: 1, rootKeys: [root.verifier.text], rootThreshold: 1, keys: [], revoked: [] };
    expect(() => decodeRootDocument(encodeMsgpack({ ...wire, extra: 1 }))).toThrow(TrustError);
    expect(() => decodeRootDocument(encodeMsgpack({ ...wire, revoked: undefined }))).toThrow(TrustError);
    expect(() => decodeRootDocument(encodeMsgpack({ ...wire, rootKeys: ['not a key'] }))).toThrow(TrustError);
    expect(decodeRootDocument(encodeMsgpack(wire)).keys).toEqual([]);
  });
});
