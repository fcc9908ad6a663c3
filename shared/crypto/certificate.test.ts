import { describe, expect, it } from 'vitest';
import { decodeKeyCertificate, encodeKeyCertificate, issueKeyCertificate, KEY_CERTIFICATE_PAYLOAD_TYPE, verifyKeyCertificate, type KeyCertificate } from './certificate.ts';
import { decodeEnvelope, encodeEnvelope, signEnvelope } from './envelope.ts';
import { CertificateError } from './errors.ts';
import { packMsgpack } from './msgpack.ts';
import { generateSigningKey } from './signing-key.ts';
import { thrown } from '../testing/code-of.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const root = generateSigningKey('hashfeed.example/root');
const signing = generateSigningKey('hashfeed.example/feed-signing-1');

const base: KeyCertificate = { verifierKey: signing.verifier, purpose: 'feed-signing', notBefore: T0, notAfter: T0 + 90 * DAY, serial: 1 };

describe('key certificates', () => {
  describe('when issued by the root and checked inside the window', () => {
    const certificate = issueKeyCertificate(root, base);

    it('returns the certified key and fields, given the pinned root as a string', () => {
      const verified = verifyKeyCertificate(certificate, root.verifier.text, { at: T0 + DAY, purpose: 'feed-signing' });
      expect(verified.verifierKey.equals(signing.verifier)).toBe(true);
      expect(verified).toMatchObject({ purpose: 'feed-signing', notBefore: T0, notAfter: T0 + 90 * DAY, serial: 1 });
    });

    it('is an envelope of type hashfeed/key-certificate/v1 signed by the root key ID', () => {
      const envelope = decodeEnvelope(certificate);
      expect(envelope.payloadType).toBe(KEY_CERTIFICATE_PAYLOAD_TYPE);
      expect(envelope.signatures.map((s) => s.keyId)).toEqual([root.keyIdHex]);
      expect(decodeKeyCertificate(envelope.payload).verifierKey.text).toBe(signing.verifier.text);
    });

    it('is valid from notBefore inclusive to notAfter exclusive', () => {
      const check = (at: number): unknown => {
        try {
          verifyKeyCertificate(certificate, root.verifier, { at, purpose: 'feed-signing' });
          return 'valid';
        } catch (error) {
          return error instanceof CertificateError ? error.code : error;
        }
      };
      expect(check(T0 - 1)).toBe('CERT_NOT_YET_VALID');
      expect(check(T0)).toBe('valid');
      expect(check(T0 + 90 * DAY - 1)).toBe('valid');
      expect(check(T0 + 90 * DAY)).toBe('CERT_EXPIRED');
    });
  });

  describe('when it cannot be relied on', () => {
    const other = generateSigningKey('hashfeed.example/root');
    const wrongTypeEnvelope = encodeEnvelope(signEnvelope('hashfeed/other/v1', encodeKeyCertificate(base), [root]));
    const selfSigned = issueKeyCertificate(signing, { ...base, verifierKey: generateSigningKey('x.example').verifier });
    const forged = decodeEnvelope(issueKeyCertificate(root, base));
    const tampered = encodeEnvelope({ ...forged, payload: encodeKeyCertificate({ ...base, notAfter: base.notAfter + 365 * DAY }) });
    const extraField = encodeEnvelope(
      signEnvelope(KEY_CERTIFICATE_PAYLOAD_TYPE, packMsgpack({ verifierKey: signing.verifier.text, purpose: 'feed-signing', notBefore: T0, notAfter: T0 + DAY, serial: 1, admin: true }), [root]),
    );
    const badKey = encodeEnvelope(
      signEnvelope(KEY_CERTIFICATE_PAYLOAD_TYPE, packMsgpack({ verifierKey: 'not a key', purpose: 'feed-signing', notBefore: T0, notAfter: T0 + DAY, serial: 1 }), [root]),
    );
    const inverted = encodeEnvelope(
      signEnvelope(KEY_CERTIFICATE_PAYLOAD_TYPE, packMsgpack({ verifierKey: signing.verifier.text, purpose: 'feed-signing', notBefore: T0 + DAY, notAfter: T0, serial: 1 }), [root]),
    );
    const floatTime = encodeEnvelope(
      signEnvelope(KEY_CERTIFICATE_PAYLOAD_TYPE, packMsgpack({ verifierKey: signing.verifier.text, purpose: 'feed-signing', notBefore: T0 + 0.5, notAfter: T0 + DAY, serial: 1 }), [root]),
    );
    const cases: [string, Uint8Array, string, string][] = [
      ['signed by another root with the same name', issueKeyCertificate(other, base), 'feed-signing', 'CERT_BAD_SIGNATURE'],
      ['self-issued by a signing key', selfSigned, 'feed-signing', 'CERT_BAD_SIGNATURE'],
      ['its payload was altered (window extended)', tampered, 'feed-signing', 'CERT_BAD_SIGNATURE'],
      ['its envelope has another payload type', wrongTypeEnvelope, 'feed-signing', 'CERT_MALFORMED'],
      ['it carries an unknown field', extraField, 'feed-signing', 'CERT_MALFORMED'],
      ['its key is not a verifier key', badKey, 'feed-signing', 'CERT_MALFORMED'],
      ['its window ends before it starts', inverted, 'feed-signing', 'CERT_MALFORMED'],
      ['a time is not an integer', floatTime, 'feed-signing', 'CERT_MALFORMED'],
      ['it is for another purpose', issueKeyCertificate(root, base), 'log-signing', 'CERT_WRONG_PURPOSE'],
      ['it is not an envelope at all', new Uint8Array([1, 2, 3]), 'feed-signing', 'CERT_MALFORMED'],
    ];
    it.each(cases)('rejects it when %s', (_, certificate, purpose, code) => {
      const error = thrown(() => verifyKeyCertificate(certificate, root.verifier, { at: T0 + DAY / 2, purpose }));
      expect(error).toBeInstanceOf(CertificateError);
      expect(error).toHaveProperty('code', code);
    });
  });

  describe('when issuing', () => {
    it.each<[string, Partial<KeyCertificate>]>([
      ['an empty purpose', { purpose: '' }],
      ['a purpose with spaces', { purpose: 'feed signing' }],
      ['notAfter equal to notBefore', { notAfter: T0 }],
      ['a negative serial', { serial: -1 }],
      ['a fractional time', { notBefore: 0.5 }],
    ])('refuses %s with CERT_MALFORMED', (_, change) => {
      expect(thrown(() => issueKeyCertificate(root, { ...base, ...change }))).toHaveProperty('code', 'CERT_MALFORMED');
    });
    it('refuses to certify the root itself', () => {
      expect(thrown(() => issueKeyCertificate(root, { ...base, verifierKey: root.verifier }))).toHaveProperty('code', 'CERT_MALFORMED');
    });
  });
});
