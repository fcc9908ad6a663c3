import { describe, expect, it } from 'vitest';
import { decodeKeyCertificate, encodeKeyCertificate, KEY_CERTIFICATE_PAYLOAD_TYPE, verifyCertificateSignature, type KeyCertificate } from './certificate.ts';
import { decodeEnvelope, encodeEnvelope, signEnvelope } from './envelope.ts';
import { CertificateError } from './errors.ts';
import { packMsgpack } from './msgpack.ts';
import { generateSigningKey, type SigningKey } from './signing-key.ts';
import { thrown } from '../testing/code-of.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const root = generateSigningKey('hashfeed.example/root');
const signing = generateSigningKey('hashfeed.example/feed-signing-1');

const base: KeyCertificate = { verifierKey: signing.verifier, purpose: 'feed-signing', notBefore: T0, notAfter: T0 + 90 * DAY, serial: 1 };
/** What a v1 Centre's `init` or `rotate` wrote: the root's signature over the certificate. */
const issued = (by: SigningKey, certificate: KeyCertificate): Uint8Array => encodeEnvelope(signEnvelope(KEY_CERTIFICATE_PAYLOAD_TYPE, encodeKeyCertificate(certificate), [by]));

describe('key certificates of protocol v1 (read for a legacy migration)', () => {
  describe('when signed by the root', () => {
    const certificate = issued(root, base);

    it('returns the certified key and fields, given the root as a string', () => {
      const verified = verifyCertificateSignature(certificate, root.verifier.text);
      expect(verified.verifierKey.equals(signing.verifier)).toBe(true);
      expect(verified).toMatchObject({ purpose: 'feed-signing', notBefore: T0, notAfter: T0 + 90 * DAY, serial: 1 });
    });

    it('is an envelope of type hashfeed/key-certificate/v1 signed by the root key ID', () => {
      const envelope = decodeEnvelope(certificate);
      expect(envelope.payloadType).toBe(KEY_CERTIFICATE_PAYLOAD_TYPE);
      expect(envelope.signatures.map((s) => s.keyId)).toEqual([root.keyIdHex]);
      expect(decodeKeyCertificate(envelope.payload).verifierKey.text).toBe(signing.verifier.text);
    });
  });

  describe('when it cannot be relied on', () => {
    const other = generateSigningKey('hashfeed.example/root');
    const wrongTypeEnvelope = encodeEnvelope(signEnvelope('hashfeed/other/v1', encodeKeyCertificate(base), [root]));
    const selfSigned = issued(signing, { ...base, verifierKey: generateSigningKey('x.example').verifier });
    const forged = decodeEnvelope(issued(root, base));
    const tampered = encodeEnvelope({ ...forged, payload: encodeKeyCertificate({ ...base, notAfter: base.notAfter + 365 * DAY }) });
    const raw = (fields: Record<string, unknown>): Uint8Array => encodeEnvelope(signEnvelope(KEY_CERTIFICATE_PAYLOAD_TYPE, packMsgpack(fields), [root]));
    const fields = { verifierKey: signing.verifier.text, purpose: 'feed-signing', notBefore: T0, notAfter: T0 + DAY, serial: 1 };
    const cases: [string, Uint8Array, string][] = [
      ['signed by another root with the same name', issued(other, base), 'CERT_BAD_SIGNATURE'],
      ['self-issued by a signing key', selfSigned, 'CERT_BAD_SIGNATURE'],
      ['its payload was altered (window extended)', tampered, 'CERT_BAD_SIGNATURE'],
      ['its envelope has another payload type', wrongTypeEnvelope, 'CERT_MALFORMED'],
      ['it carries an unknown field', raw({ ...fields, admin: true }), 'CERT_MALFORMED'],
      ['its key is not a verifier key', raw({ ...fields, verifierKey: 'not a key' }), 'CERT_MALFORMED'],
      ['its window ends before it starts', raw({ ...fields, notBefore: T0 + DAY, notAfter: T0 }), 'CERT_MALFORMED'],
      ['a time is not an integer', raw({ ...fields, notBefore: T0 + 0.5 }), 'CERT_MALFORMED'],
      ['it is not an envelope at all', new Uint8Array([1, 2, 3]), 'CERT_MALFORMED'],
    ];
    it.each(cases)('rejects it when %s', (_, certificate, code) => {
      const error = thrown(() => verifyCertificateSignature(certificate, root.verifier));
      expect(error).toBeInstanceOf(CertificateError);
      expect(error).toHaveProperty('code', code);
    });
  });

  describe('when encoding', () => {
    it.each<[string, Partial<KeyCertificate>]>([
      ['an empty purpose', { purpose: '' }],
      ['a purpose with spaces', { purpose: 'feed signing' }],
      ['notAfter equal to notBefore', { notAfter: T0 }],
      ['a negative serial', { serial: -1 }],
      ['a fractional time', { notBefore: 0.5 }],
    ])('refuses %s with CERT_MALFORMED', (_, change) => {
      expect(thrown(() => encodeKeyCertificate({ ...base, ...change }))).toHaveProperty('code', 'CERT_MALFORMED');
    });
  });
});
