import { describe, expect, it } from 'vitest';
import { issueKeyCertificate, type KeyCertificate } from './certificate.ts';
import { verifyCertifiedEnvelope } from './certified-envelope.ts';
import { encodeEnvelope, signEnvelope } from './envelope.ts';
import { CertificateError, EnvelopeError } from './errors.ts';
import { generateSigningKey } from './signing-key.ts';
import { thrown } from '../testing/code-of.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const TYPE = 'hashfeed/delta/v1';
const PURPOSE = 'feed-signing';
const payload = new TextEncoder().encode('delta bytes');

const root = generateSigningKey('hashfeed.example/root');
const oldKey = generateSigningKey('hashfeed.example/feed-2025q1');
const newKey = generateSigningKey('hashfeed.example/feed-2025q2');
const cert = (key: typeof oldKey, from: number, to: number, serial: number, purpose = PURPOSE): Uint8Array =>
  issueKeyCertificate(root, { verifierKey: key.verifier, purpose, notBefore: from, notAfter: to, serial } satisfies KeyCertificate);
const oldCert = cert(oldKey, T0, T0 + 90 * DAY, 1);
const newCert = cert(newKey, T0 + 80 * DAY, T0 + 180 * DAY, 2);
const certificates = [oldCert, newCert];
const signedBy = (key: typeof oldKey): Uint8Array => encodeEnvelope(signEnvelope(TYPE, payload, [key]));

describe('verifyCertifiedEnvelope', () => {
  describe('across a signing-key rotation', () => {
    it('verifies an old envelope with the old certificate at a time inside its window', () => {
      const result = verifyCertifiedEnvelope(signedBy(oldKey), TYPE, { root: root.verifier.text, certificates, purpose: PURPOSE, at: T0 + 10 * DAY });
      expect(result.payload).toEqual(payload);
      expect(result.certificate.serial).toBe(1);
    });

    it('verifies a new envelope with the new certificate, chosen by key ID', () => {
      const result = verifyCertifiedEnvelope(signedBy(newKey), TYPE, { root: root.verifier, certificates, purpose: PURPOSE, at: T0 + 100 * DAY });
      expect(result.certificate.serial).toBe(2);
    });

    it('rejects the old key once its certificate has expired (CERT_EXPIRED)', () => {
      const error = thrown(() => verifyCertifiedEnvelope(signedBy(oldKey), TYPE, { root: root.verifier, certificates, purpose: PURPOSE, at: T0 + 100 * DAY }));
      expect(error).toBeInstanceOf(CertificateError);
      expect(error).toHaveProperty('code', 'CERT_EXPIRED');
    });

    it('rejects the new key before its certificate starts (CERT_NOT_YET_VALID)', () => {
      expect(thrown(() => verifyCertifiedEnvelope(signedBy(newKey), TYPE, { root: root.verifier, certificates, purpose: PURPOSE, at: T0 }))).toHaveProperty(
        'code',
        'CERT_NOT_YET_VALID',
      );
    });

    it('accepts an envelope signed by both keys during the overlap', () => {
      const both = encodeEnvelope(signEnvelope(TYPE, payload, [oldKey, newKey]));
      expect(verifyCertifiedEnvelope(both, TYPE, { root: root.verifier, certificates, purpose: PURPOSE, at: T0 + 85 * DAY }).payload).toEqual(payload);
      expect(verifyCertifiedEnvelope(both, TYPE, { root: root.verifier, certificates, purpose: PURPOSE, at: T0 + 150 * DAY }).certificate.serial).toBe(2);
    });
  });

  describe('when it must fail', () => {
    const stranger = generateSigningKey('hashfeed.example/feed-2025q1');
    const otherRoot = generateSigningKey('hashfeed.example/root');
    const otherRootCert = issueKeyCertificate(otherRoot, { verifierKey: stranger.verifier, purpose: PURPOSE, notBefore: T0, notAfter: T0 + DAY, serial: 9 });
    const original = signEnvelope(TYPE, payload, [oldKey]);
    const tampered = encodeEnvelope({ ...original, payload: new TextEncoder().encode('delta bytes, edited') });
    it.each<[string, Uint8Array, readonly Uint8Array[], string, string, string]>([
      ['no certificate names the signing key', signedBy(stranger), certificates, PURPOSE, TYPE, 'CERT_NOT_FOUND'],
      ['a supplied certificate is not from the pinned root', signedBy(oldKey), [oldCert, otherRootCert], PURPOSE, TYPE, 'CERT_BAD_SIGNATURE'],
      ['the certificate is for another purpose', signedBy(oldKey), [cert(oldKey, T0, T0 + 90 * DAY, 3, 'log-signing')], PURPOSE, TYPE, 'CERT_WRONG_PURPOSE'],
      ['the envelope holds another type', signedBy(oldKey), certificates, PURPOSE, 'hashfeed/snapshot/v1', 'ENVELOPE_WRONG_TYPE'],
      ['the envelope was altered', tampered, certificates, PURPOSE, TYPE, 'ENVELOPE_BAD_SIGNATURE'],
      ['the root signs directly, without a certificate', encodeEnvelope(signEnvelope(TYPE, payload, [root])), certificates, PURPOSE, TYPE, 'CERT_NOT_FOUND'],
    ])('rejects it when %s', (_, envelope, certs, purpose, type, code) => {
      const error = thrown(() => verifyCertifiedEnvelope(envelope, type, { root: root.verifier, certificates: certs, purpose, at: T0 + DAY / 2 }));
      expect(error instanceof CertificateError || error instanceof EnvelopeError).toBe(true);
      expect(error).toHaveProperty('code', code);
    });
  });
});
