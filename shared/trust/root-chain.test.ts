import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { encodeEnvelope, generateSigningKey, signEnvelope, SigningKey } from '../crypto/index.ts';
import { encodeMsgpack } from '../wire/codec.ts';
import { ROOT_PAYLOAD_TYPE, encodeRootDocument, signRootDocument, type RootDocument } from './root-document.ts';
import { walkRootChain, type RootPin } from './root-chain.ts';
import { TrustError } from './errors.ts';

const rootKeys = Array.from({ length: 6 }, (_, i) => generateSigningKey(`hashfeed/test/root-${i}`));
const online = generateSigningKey('hashfeed/test/feed');
const k = (i: number): SigningKey => rootKeys[i] ?? rootKeys[0]!;

function doc(version: number, keys: readonly SigningKey[], threshold: number, overrides: Partial<RootDocument> = {}): RootDocument {
  return {
    feed: 'test',
    version,
    issuedAt: 1_000 * version,
    rootKeys: keys.map((key) => key.verifier),
    rootThreshold: threshold,
    keys: [{ verifierKey: online.verifier, purpose: 'feed', notBefore: 0, notAfter: 10_000 }],
    revoked: [],
    ...overrides,
  };
}

const pinOf = (keys: readonly SigningKey[], threshold: number): RootPin => ({ keys: keys.map((key) => key.verifier), threshold });
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof TrustError ? err.code : `not a TrustError: ${String(err)}`;
  }
};

describe('walkRootChain', () => {
  const v1 = signRootDocument(doc(1, [k(0), k(1), k(2)], 2), [k(0), k(1)]);

  describe('when nothing is trusted yet', () => {
    it('anchors at the first root signed by the pinned threshold', () => {
      const { root, walked } = walkRootChain(pinOf([k(0), k(1), k(2)], 2), null, [v1]);
      expect(root.document.version).toBe(1);
      expect(walked.map((r) => r.document.version)).toEqual([1]);
    });

    it('refuses a root signed by fewer than the pinned threshold', () => {
      const weak = signRootDocument(doc(1, [k(0), k(1), k(2)], 1), [k(0)]);
      expect(code(() => walkRootChain(pinOf([k(0), k(1), k(2)], 2), null, [weak]))).toBe('ROOT_NOT_ANCHORED');
    });

    it('refuses a root signed by the pin but not by its own threshold', () => {
      const own = signRootDocument(doc(1, [k(3), k(4)], 2), [k(0), k(3)]);
      expect(code(() => walkRootChain(pinOf([k(0)], 1), null, [own]))).toBe('ROOT_THRESHOLD_NOT_MET');
    });

    it('anchors at a later version when the pin names the rotated-in keys', () => {
      const v2 = signRootDocument(doc(2, [k(3), k(4)], 2), [k(0), k(1), k(3), k(4)]);
      const { root, walked } = walkRootChain(pinOf([k(3), k(4)], 2), null, [v1, v2]);
      expect(root.document.version).toBe(2);
      expect(walked).toHaveLength(1);
    });
  });

  describe('when a root is trusted', () => {
    const trusted = walkRootChain(pinOf([k(0), k(1), k(2)], 2), null, [v1]).root;

    it('accepts a rotation signed by a threshold of the old and of the new root keys', () => {
      const v2 = signRootDocument(doc(2, [k(3), k(4), k(5)], 2), [k(0), k(1), k(3), k(4)]);
      const v3 = signRootDocument(doc(3, [k(3), k(4), k(5)], 2), [k(4), k(5)]);
      const { root, walked } = walkRootChain(pinOf([k(0)], 1), trusted, [v2, v3]);
      expect(root.document.version).toBe(3);
      expect(walked.map((r) => r.document.version)).toEqual([2, 3]);
    });

    it('refuses a rotation signed only by the new root keys', () => {
      const v2 = signRootDocument(doc(2, [k(3), k(4)], 2), [k(3), k(4)]);
      expect(code(() => walkRootChain(pinOf([k(0)], 1), trusted, [v2]))).toBe('ROOT_THRESHOLD_NOT_MET');
    });

    it('refuses a rotation signed by one old root key where two are required', () => {
      const v2 = signRootDocument(doc(2, [k(3), k(4)], 2), [k(0), k(3), k(4)]);
      expect(code(() => walkRootChain(pinOf([k(0)], 1), trusted, [v2]))).toBe('ROOT_THRESHOLD_NOT_MET');
    });

    it('refuses a rotation the old keys signed but the new threshold did not', () => {
      const v2 = signRootDocument(doc(2, [k(3), k(4)], 2), [k(0), k(1), k(3)]);
      expect(code(() => walkRootChain(pinOf([k(0)], 1), trusted, [v2]))).toBe('ROOT_THRESHOLD_NOT_MET');
    });

    it('refuses a skipped version', () => {
      const v3 = signRootDocument(doc(3, [k(0), k(1), k(2)], 2), [k(0), k(1)]);
      expect(code(() => walkRootChain(pinOf([k(0)], 1), trusted, [v3]))).toBe('ROOT_VERSION_NOT_NEXT');
    });

    it('refuses a root for another feed', () => {
      const v2 = signRootDocument(doc(2, [k(0), k(1), k(2)], 2, { feed: 'other' }), [k(0), k(1)]);
      expect(code(() => walkRootChain(pinOf([k(0)], 1), trusted, [v2]))).toBe('ROOT_WRONG_FEED');
    });

    it('refuses a root that undoes or delays a revocation', () => {
      const revoked = [{ verifierKey: online.verifier, revokedAt: 5_000, reason: 'key compromised' }];
      const v2 = signRootDocument(doc(2, [k(0), k(1), k(2)], 2, { revoked }), [k(0), k(1)]);
      const { root } = walkRootChain(pinOf([k(0)], 1), trusted, [v2]);
      const undone = signRootDocument(doc(3, [k(0), k(1), k(2)], 2), [k(0), k(1)]);
      const delayed = signRootDocument(doc(3, [k(0), k(1), k(2)], 2, { revoked: [{ ...revoked[0]!, revokedAt: 6_000 }] }), [k(0), k(1)]);
      const earlier = signRootDocument(doc(3, [k(0), k(1), k(2)], 2, { revoked: [{ ...revoked[0]!, revokedAt: 4_000 }] }), [k(0), k(1)]);
      expect(code(() => walkRootChain(pinOf([k(0)], 1), root, [undone]))).toBe('ROOT_REVOCATION_DROPPED');
      expect(code(() => walkRootChain(pinOf([k(0)], 1), root, [delayed]))).toBe('ROOT_REVOCATION_DROPPED');
      expect(walkRootChain(pinOf([k(0)], 1), root, [earlier]).root.document.version).toBe(3);
    });

    it('refuses more versions than one update may walk', () => {
      const chain = [2, 3, 4].map((v) => signRootDocument(doc(v, [k(0), k(1), k(2)], 2), [k(0), k(1)]));
      expect(code(() => walkRootChain(pinOf([k(0)], 1), trusted, chain, 2))).toBe('ROOT_TOO_MANY_ROTATIONS');
    });

    describe('when one public key is listed under two names', () => {
      // One holder's key, named twice: its key IDs differ (they hash the name), its signatures are the same key's.
      const seed = new Uint8Array(randomBytes(32));
      const twice = [SigningKey.fromSeed('hashfeed/test/root-7', seed), SigningKey.fromSeed('hashfeed/test/root-8', seed)] as const;
      // The bytes a dishonest proposer would hand the holders: encodeRootDocument would refuse them.
      const unchecked = (document: RootDocument, signers: readonly SigningKey[]): Uint8Array =>
        encodeEnvelope(
          signEnvelope(
            ROOT_PAYLOAD_TYPE,
            encodeMsgpack({
              ...document,
              rootKeys: document.rootKeys.map((key) => key.text),
              keys: document.keys.map((key) => ({ ...key, verifierKey: key.verifierKey.text })),
              revoked: [],
            }),
            signers,
          ),
        );

      it('refuses a root that would let one holder count twice towards its threshold', () => {
        const v2 = unchecked(doc(2, [twice[0], twice[1], k(2)], 2), [k(0), k(1), twice[0], twice[1]]);
        const v3 = unchecked(doc(3, [twice[0], twice[1], k(2)], 2, { issuedAt: 9_999 }), [twice[0], twice[1]]);
        expect(code(() => walkRootChain(pinOf([k(0)], 1), trusted, [v2, v3]))).toBe('ROOT_MALFORMED');
      });

      it('refuses a root that lists a root key again as an online key', () => {
        const asOnline = SigningKey.fromSeed('hashfeed/test/feed-2', seed);
        const keys = [{ verifierKey: asOnline.verifier, purpose: 'feed', notBefore: 0, notAfter: 10_000 }];
        const v2 = unchecked(doc(2, [twice[0], k(1)], 1, { keys }), [k(0), k(1), twice[0]]);
        expect(code(() => walkRootChain(pinOf([k(0)], 1), trusted, [v2]))).toBe('ROOT_MALFORMED');
      });

      it('counts a pinned key named twice once', () => {
        const v1Twice = unchecked(doc(1, [twice[0], twice[1]], 1), [twice[0], twice[1]]);
        expect(code(() => walkRootChain({ keys: twice.map((key) => key.verifier), threshold: 2 }, null, [v1Twice]))).toBe('ROOT_NOT_ANCHORED');
      });
    });

    it('refuses an envelope of another type signed by the root keys', () => {
      const other = encodeEnvelope(signEnvelope('hashfeed/timestamp/v1', encodeRootDocument(doc(2, [k(0), k(1), k(2)], 2)), [k(0), k(1)]));
      expect(code(() => walkRootChain(pinOf([k(0)], 1), trusted, [other]))).toBe('ROOT_MALFORMED');
      expect(ROOT_PAYLOAD_TYPE).toBe('hashfeed/root/v1');
    });
  });
});
