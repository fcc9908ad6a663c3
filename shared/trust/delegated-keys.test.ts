import { describe, expect, it } from 'vitest';
import { encodeEnvelope, generateSigningKey, signEnvelope } from '../crypto/index.ts';
import { checkSignedWhileValid, usableKeys, verifyArchivedObject, verifyFreshObject } from './delegated-keys.ts';
import type { RootDocument } from './root-document.ts';
import { CodedError } from '../errors.ts';

const rootKey = generateSigningKey('hashfeed/test/root');
const timestampKey = generateSigningKey('hashfeed/test/timestamp');
const feedKey = generateSigningKey('hashfeed/test/feed');
const stranger = generateSigningKey('hashfeed/test/feed');

const root: RootDocument = {
  feed: 'test',
  version: 1,
  issuedAt: 0,
  rootKeys: [rootKey.verifier],
  rootThreshold: 1,
  keys: [
    { verifierKey: timestampKey.verifier, purpose: 'timestamp', notBefore: 100, notAfter: 1_000 },
    { verifierKey: feedKey.verifier, purpose: 'feed', notBefore: 100, notAfter: 1_000 },
  ],
  revoked: [{ verifierKey: feedKey.verifier, revokedAt: 500, reason: 'compromised' }],
};

const signed = (type: string, key = timestampKey): Uint8Array => encodeEnvelope(signEnvelope(type, new Uint8Array([1, 2, 3]), [key]));
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof CodedError ? err.code : String(err);
  }
};

describe('delegated keys', () => {
  describe('a freshness object', () => {
    it('verifies under a key listed for its purpose and valid now', () => {
      expect(verifyFreshObject(signed('t/v1'), 't/v1', root, 'timestamp', 200, 4096).payload).toEqual(new Uint8Array([1, 2, 3]));
    });

    it.each([
      ['SIGNER_NOT_YET_VALID', timestampKey, 'timestamp', 99],
      ['SIGNER_EXPIRED', timestampKey, 'timestamp', 1_000],
      ['SIGNER_WRONG_PURPOSE', feedKey, 'timestamp', 200],
      ['SIGNER_REVOKED', feedKey, 'feed', 500],
      ['SIGNER_NOT_LISTED', stranger, 'feed', 200],
    ] as const)('is refused with %s', (expected, key, purpose, now) => {
      expect(code(() => verifyFreshObject(signed('t/v1', key), 't/v1', root, purpose, now, 4096))).toBe(expected);
    });

    it('refuses a signature by a stranger that borrows a listed key ID', () => {
      const forged = signEnvelope('t/v1', new Uint8Array([1]), [stranger]);
      const relabelled = encodeEnvelope({ ...forged, signatures: forged.signatures.map((s) => ({ ...s, keyId: feedKey.verifier.keyIdHex })) });
      expect(code(() => verifyFreshObject(relabelled, 't/v1', root, 'feed', 200, 4096))).toBe('ENVELOPE_BAD_SIGNATURE');
    });
  });

  describe('an archived object', () => {
    it('verifies whatever the time, then is judged at the time it was recorded', () => {
      const { signers } = verifyArchivedObject(signed('d/v1', feedKey), 'd/v1', root, 'feed', 4096);
      expect(() => checkSignedWhileValid(root, signers, 'feed', 499)).not.toThrow();
      expect(code(() => checkSignedWhileValid(root, signers, 'feed', 500))).toBe('SIGNER_REVOKED');
      expect(code(() => checkSignedWhileValid(root, signers, 'feed', 50))).toBe('SIGNER_NOT_YET_VALID');
    });

    it('refuses a key listed for another purpose', () => {
      expect(code(() => verifyArchivedObject(signed('d/v1', timestampKey), 'd/v1', root, 'feed', 4096))).toBe('SIGNER_WRONG_PURPOSE');
    });
  });

  it('lists the keys usable for a purpose at a time', () => {
    expect(usableKeys(root, 'feed', 200).map((k) => k.verifierKey.text)).toEqual([feedKey.verifier.text]);
    expect(usableKeys(root, 'feed', 600)).toEqual([]);
  });
});
