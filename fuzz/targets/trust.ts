import fc from 'fast-check';
import { decodeKeyCertificate, encodeKeyCertificate } from '../../shared/crypto/certificate.ts';
import { decodeEnvelope, encodeEnvelope, signEnvelope } from '../../shared/crypto/envelope.ts';
import { CertificateError, CryptoError, EnvelopeError } from '../../shared/crypto/errors.ts';
import { generateSigningKey } from '../../shared/crypto/signing-key.ts';
import { parseVerifierKey } from '../../shared/crypto/verifier-key.ts';
import { decodeAccessList, encodeAccessList, type AccessList } from '../../shared/seal/access-list.ts';
import { decodeEncryptionKeyRegistration, encodeEncryptionKeyRegistration } from '../../shared/seal/encryption-key-registration.ts';
import { ENCRYPTION_KEM } from '../../shared/seal/hpke.ts';
import { TrustError } from '../../shared/trust/errors.ts';
import { decodeRootDocument, encodeRootDocument } from '../../shared/trust/root-document.ts';
import { encodeRootDraft, parseRootDraft, RootDraftError } from '../../shared/trust/root-draft.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { hostileMsgpack, hostileText } from '../mutate.ts';
import { defineTarget, type RegisteredTarget } from '../target.ts';

/** What carries trust: envelopes, key certificates, root documents and drafts, verifier keys, and the sealed feed's access objects. */

const rootKey = generateSigningKey('hashfeed/fuzz/root');
const feedKey = generateSigningKey('hashfeed/fuzz/feed');
const checkpointKey = generateSigningKey('hashfeed/fuzz');
const signers = [rootKey, feedKey, checkpointKey];

export const envelope = defineTarget({
  name: 'envelope',
  decoder: 'shared/crypto/envelope.ts decodeEnvelope',
  input: hostileMsgpack(
    fc
      .record({ type: fc.constantFrom('hashfeed/delta/v1', 'hashfeed/timestamp/v1', 'hashfeed/report/v1'), payload: fc.uint8Array({ maxLength: 128 }), count: fc.integer({ min: 1, max: 3 }) })
      .map(({ type, payload, count }) => encodeEnvelope(signEnvelope(type, payload, signers.slice(0, count)))),
  ),
  decode: (bytes: Uint8Array) => decodeEnvelope(bytes, 1 << 20),
  encode: encodeEnvelope,
  refusals: [EnvelopeError],
});

export const certificate = defineTarget({
  name: 'certificate',
  decoder: 'shared/crypto/certificate.ts decodeKeyCertificate',
  input: hostileMsgpack(
    fc
      .record({ notBefore: fc.integer({ min: 0, max: 2_000_000_000_000 }), span: fc.integer({ min: 1, max: 1e11 }), serial: fc.nat(), purpose: fc.constantFrom('feed-signing', 'checkpoint', 'report-intake') })
      .map((c) => encodeKeyCertificate({ verifierKey: feedKey.verifier, purpose: c.purpose, notBefore: c.notBefore, notAfter: c.notBefore + c.span, serial: c.serial })),
  ),
  decode: decodeKeyCertificate,
  encode: encodeKeyCertificate,
  refusals: [CertificateError],
});

export const rootDocument = defineTarget({
  name: 'root-document',
  decoder: 'shared/trust/root-document.ts decodeRootDocument',
  input: hostileMsgpack(
    fc.record({ version: fc.integer({ min: 1, max: 1000 }), revoke: fc.boolean() }).map(({ version, revoke }) =>
      encodeRootDocument({
        feed: 'fuzz',
        version,
        issuedAt: 1_700_000_000_000,
        rootKeys: [rootKey.verifier],
        rootThreshold: 1,
        keys: [
          { verifierKey: feedKey.verifier, purpose: 'feed', notBefore: 0, notAfter: 2_000_000_000_000 },
          { verifierKey: checkpointKey.verifier, purpose: 'checkpoint', notBefore: 0, notAfter: 2_000_000_000_000 },
        ],
        revoked: revoke ? [{ verifierKey: feedKey.verifier, revokedAt: 1_700_000_000_000, reason: 'stolen laptop' }] : [],
      }),
    ),
  ),
  decode: decodeRootDocument,
  encode: encodeRootDocument,
  refusals: [TrustError],
});

export const rootDraft = defineTarget({
  name: 'root-draft',
  decoder: 'shared/trust/root-draft.ts parseRootDraft',
  input: hostileText(
    fc
      .record({ payload: fc.uint8Array({ maxLength: 64 }), previous: fc.uint8Array({ maxLength: 64 }), signed: fc.boolean() })
      .map(({ payload, previous, signed }) =>
        encodeRootDraft({ payload, previous, summary: ['version 2: adds a feed key'], signatures: signed ? [{ keyId: rootKey.keyIdHex, sig: new Uint8Array(64).fill(1) }] : [] }),
      ),
  ),
  decode: parseRootDraft,
  encode: encodeRootDraft,
  refusals: [RootDraftError],
});

export const verifierKey = defineTarget({
  name: 'verifier-key',
  decoder: 'shared/crypto/verifier-key.ts parseVerifierKey',
  input: hostileText(fc.constantFrom(...signers.map((key) => key.verifier.text))),
  decode: parseVerifierKey,
  encode: (key) => key.text,
  refusals: [CryptoError],
});

export const encryptionKeyRegistration = defineTarget({
  name: 'encryption-key',
  decoder: 'shared/seal/encryption-key-registration.ts decodeEncryptionKeyRegistration',
  input: hostileMsgpack(
    fc
      .record({ publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }), createdAt: fc.integer({ min: 0, max: 4_000_000_000_000 }) })
      .map(({ publicKey, createdAt }) => encodeEncryptionKeyRegistration({ provider: 'example-host', kem: ENCRYPTION_KEM, publicKey, createdAt })),
  ),
  decode: decodeEncryptionKeyRegistration,
  encode: encodeEncryptionKeyRegistration,
  refusals: [WireError],
});

const accessLists: fc.Arbitrary<AccessList> = fc.oneof(
  fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 3 }).map((epochs) => ({
    provider: 'example-host',
    feed: 'eu-centre',
    issuedAt: 1_790_000_000_000,
    policy: 'order' as const,
    entitled: true,
    basis: 'DE-2026-0001',
    currentEpoch: Math.max(...epochs),
    keys: [...new Set(epochs)].map((epoch) => ({ epoch, recipient: '0123456789abcdef', keyCommitment: new Uint8Array(32).fill(epoch), enc: new Uint8Array(32).fill(2), wrapped: new Uint8Array(48).fill(3) })),
  })),
  fc.constant({ provider: 'example-host', feed: 'eu-centre', issuedAt: 1_790_000_000_000, policy: 'order' as const, entitled: false, reason: 'NO_ACTIVE_ORDER' as const, currentEpoch: 3, keys: [] }),
);

export const accessList = defineTarget({
  name: 'access-list',
  decoder: 'shared/seal/access-list.ts decodeAccessList',
  input: hostileMsgpack(accessLists.map(encodeAccessList)),
  decode: (payload: Uint8Array) => decodeAccessList(payload),
  encode: encodeAccessList,
  refusals: [WireError],
});

export const TRUST_TARGETS: readonly RegisteredTarget[] = [envelope, certificate, rootDocument, rootDraft, verifierKey, encryptionKeyRegistration, accessList];
