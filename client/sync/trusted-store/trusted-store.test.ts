import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEnvelope, generateSigningKey, signEnvelope, type SigningKey } from '../../../shared/crypto/index.ts';
import { feedOrigin, signCheckpoint } from '../../../shared/note/index.ts';
import { signRootDocument, type RootDocument } from '../../../shared/trust/index.ts';
import { tempDirs } from '../../../shared/testing/temp-dirs.ts';
import { DELTA_PAYLOAD_TYPE, encodeDelta } from '../../../shared/wire/delta.ts';
import { encodeTimestamp, TIMESTAMP_PAYLOAD_TYPE, type FeedTimestamp } from '../../../shared/wire/timestamp.ts';
import { openReplicaDatabase } from '../../replica/database.ts';
import { Replica } from '../../replica/replica.ts';
import { makeTestRoot, type TestRoot } from '../testing/test-root.ts';
import { isRevokedSigner, rootPinOf, TrustedStore } from './index.ts';

const NOW = Date.UTC(2026, 10, 1);
const MINUTE = 60_000;
const dirs = tempDirs();
afterEach(() => dirs.removeAll());

const replicaAt = (path = ':memory:'): Replica => new Replica(openReplicaDatabase(path));
const storeOf = (replica: Replica, keys: readonly SigningKey[], threshold = 1): TrustedStore =>
  new TrustedStore({ replica, pin: rootPinOf(keys.map((k) => k.verifier.text), threshold), feed: 'test' });

/** The error a call throws, with its code and its cause's code. */
function failure(fn: () => unknown): { code?: string; cause?: string } {
  try {
    fn();
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : String(err);
    const cause = err instanceof Error && err.cause instanceof Error && 'code' in err.cause ? String(err.cause.code) : undefined;
    return cause === undefined ? { code } : { code, cause };
  }
  return {};
}

function timestampBy(key: SigningKey, overrides: Partial<FeedTimestamp> = {}): Uint8Array {
  const payload = encodeTimestamp({ feed: 'test', version: 1, logSize: 1, logRoot: new Uint8Array(32), issuedAt: NOW, expires: NOW + 86_400_000, rootVersion: 1, ...overrides });
  return encodeEnvelope(signEnvelope(TIMESTAMP_PAYLOAD_TYPE, payload, [key]));
}

function deltaBy(key: SigningKey, createdAt: number, version = 1): Uint8Array {
  const payload = encodeDelta({
    feed: 'test',
    version,
    previous: version - 1,
    createdAt,
    categories: [],
    adds: [],
    removes: { ids: new Uint32Array(), reasons: new Uint8Array() },
    reasonCodes: [],
    stateDigest: new Uint8Array(32),
  });
  return encodeEnvelope(signEnvelope(DELTA_PAYLOAD_TYPE, payload, [key]));
}

/** The next root version: `change` applied to a copy of `previous`, signed by `signers`. */
function successor(previous: RootDocument, change: Partial<RootDocument>, signers: readonly SigningKey[]): { document: RootDocument; envelope: Uint8Array } {
  const document = { ...previous, version: previous.version + 1, issuedAt: previous.issuedAt + MINUTE, ...change };
  return { document, envelope: signRootDocument(document, signers) };
}

describe('trusted store', () => {
  describe('the root chain (PROTOCOL 4.3, 9.3 step 1)', () => {
    const rootKeys = Array.from({ length: 5 }, (_, i) => generateSigningKey(`hashfeed/test/root-${i + 1}`));
    const [k1, k2, k3, k4, k5] = rootKeys as [SigningKey, SigningKey, SigningKey, SigningKey, SigningKey];
    /** Version 1 with root keys k1..k3, 2 of 3; version 2 hands over to k4, k5, 2 of 2. */
    const chain = (): { v1: TestRoot; v2: RootDocument; signV2: (signers: readonly SigningKey[]) => Uint8Array } => {
      const base = makeTestRoot(NOW);
      const document: RootDocument = { ...base.document, rootKeys: [k1.verifier, k2.verifier, k3.verifier], rootThreshold: 2 };
      const v1 = { ...base, document, envelope: signRootDocument(document, [k1, k2, k3]) };
      const v2: RootDocument = { ...document, version: 2, rootKeys: [k4.verifier, k5.verifier], rootThreshold: 2 };
      return { v1, v2, signV2: (signers) => signRootDocument(v2, signers) };
    };

    it('anchors from a 2-of-3 pin, accepts a rotation signed by a threshold of the old and of the new root keys, and keeps it across a restart', () => {
      const { v1, signV2 } = chain();
      const path = join(dirs.make('hf-store-'), 'replica.db');
      const store = storeOf(replicaAt(path), [k1, k2, k3], 2);
      store.acceptRoots([v1.envelope]);
      expect(store.rootVersion).toBe(1);
      store.acceptRoots([signV2([k2, k3, k4, k5])]);
      expect(store.rootVersion).toBe(2);
      const reopened = storeOf(replicaAt(path), [k1, k2, k3], 2);
      expect([reopened.rootVersion, reopened.root?.document.rootKeys.map((k) => k.text)]).toEqual([2, [k4.verifier.text, k5.verifier.text]]);
    });

    it.each<[string, () => readonly SigningKey[]]>([
      ['the old root keys only', () => [k1, k2]],
      ['the new root keys only', () => [k4, k5]],
      ['fewer than the old threshold', () => [k1, k4, k5]],
      ['fewer than the new threshold', () => [k1, k2, k4]],
    ])('refuses a rotation signed by %s (ROOT_THRESHOLD_NOT_MET) and keeps the root it trusts', (_name, signers) => {
      const { v1, signV2 } = chain();
      const store = storeOf(replicaAt(), [k1, k2, k3], 2);
      store.acceptRoots([v1.envelope]);
      expect(failure(() => store.acceptRoots([signV2(signers())]))).toEqual({ code: 'SYNC_UNTRUSTED', cause: 'ROOT_THRESHOLD_NOT_MET' });
      expect(store.rootVersion).toBe(1);
    });

    it('refuses a skipped version (ROOT_VERSION_NOT_NEXT)', () => {
      const { v1, v2 } = chain();
      const store = storeOf(replicaAt(), [k1, k2, k3], 2);
      store.acceptRoots([v1.envelope]);
      const v3 = signRootDocument({ ...v2, version: 3, rootKeys: v1.document.rootKeys }, [k1, k2, k3]);
      expect(failure(() => store.acceptRoots([v3]))).toEqual({ code: 'SYNC_UNTRUSTED', cause: 'ROOT_VERSION_NOT_NEXT' });
    });

    it('refuses an anchor signed by fewer than the pinned threshold (ROOT_NOT_ANCHORED)', () => {
      const { v1 } = chain();
      const weak = signRootDocument({ ...v1.document, rootThreshold: 1 }, [k1]);
      expect(failure(() => storeOf(replicaAt(), [k1, k2, k3], 2).acceptRoots([weak]))).toEqual({ code: 'SYNC_UNTRUSTED', cause: 'ROOT_NOT_ANCHORED' });
    });

    it('anchors a fresh store pinning the rotated-in root keys at version 2', () => {
      const { v1, signV2 } = chain();
      const store = storeOf(replicaAt(), [k4, k5], 2);
      store.acceptRoots([v1.envelope, signV2([k1, k2, k4, k5])]);
      expect(store.rootVersion).toBe(2);
    });

    it('anchors again from the new pin when the operator changes it', () => {
      const { v1, signV2 } = chain();
      const path = join(dirs.make('hf-store-'), 'replica.db');
      storeOf(replicaAt(path), [k1, k2, k3], 2).acceptRoots([v1.envelope]);
      const repinned = storeOf(replicaAt(path), [k4, k5], 2);
      expect(repinned.root).toBeNull();
      repinned.acceptRoots([v1.envelope, signV2([k1, k2, k4, k5])]);
      expect(repinned.rootVersion).toBe(2);
    });
  });

  describe('keys per purpose (PROTOCOL 4.2, 4.4)', () => {
    const root = makeTestRoot(NOW);
    const store = (): TrustedStore => {
      const s = storeOf(replicaAt(), [root.rootKey]);
      s.acceptRoots([root.envelope]);
      return s;
    };

    it('accepts a timestamp signed by the timestamp key', () => {
      expect(store().acceptTimestamp(timestampBy(root.online.timestamp), NOW).version).toBe(1);
    });

    it.each(['feed', 'provider-list', 'checkpoint'] as const)('refuses a timestamp signed by the %s key (SIGNER_WRONG_PURPOSE)', (purpose) => {
      expect(failure(() => store().acceptTimestamp(timestampBy(root.online[purpose]), NOW))).toEqual({ code: 'SYNC_UNTRUSTED', cause: 'SIGNER_WRONG_PURPOSE' });
    });

    it('refuses a delta signed by the timestamp key (SIGNER_WRONG_PURPOSE)', async () => {
      await expect(store().acceptDelta(deltaBy(root.online.timestamp, NOW), 0, { ...decodedTimestamp(), version: 1 })).rejects.toMatchObject({ code: 'SYNC_UNTRUSTED', cause: { code: 'SIGNER_WRONG_PURPOSE' } });
    });

    it('refuses a checkpoint signed by anything but a checkpoint key, even a feed key named after the log origin', async () => {
      const impostor = generateSigningKey(feedOrigin('test'));
      const document: RootDocument = { ...root.document, keys: [...root.document.keys, { verifierKey: impostor.verifier, purpose: 'feed', notBefore: NOW - MINUTE, notAfter: NOW + MINUTE }] };
      const s = storeOf(replicaAt(), [root.rootKey]);
      s.acceptRoots([signRootDocument(document, [root.rootKey])]);
      const timestamp = decodedTimestamp();
      const head = { origin: feedOrigin('test'), size: 1, rootHash: new Uint8Array(32), extensions: [] };
      const proof = async (): Promise<never> => {
        throw new Error('no proof is needed');
      };
      await expect(s.acceptCheckpoint(signCheckpoint(head, root.online.checkpoint), timestamp, NOW, proof)).resolves.toMatchObject({ size: 1 });
      for (const key of [impostor, root.online.feed, root.online.timestamp]) {
        await expect(s.acceptCheckpoint(signCheckpoint(head, key), timestamp, NOW, proof)).rejects.toMatchObject({ code: 'SYNC_UNTRUSTED' });
      }
    });

    const decodedTimestamp = (): FeedTimestamp => store().acceptTimestamp(timestampBy(root.online.timestamp), NOW);
  });

  describe('revocation (PROTOCOL 4.7)', () => {
    it('refuses a revoked timestamp key at once, even inside its window, and drops the timestamp it signed as a rollback guard', () => {
      const root = makeTestRoot(NOW);
      const replica = replicaAt();
      const store = storeOf(replica, [root.rootKey]);
      store.acceptRoots([root.envelope]);
      // Signed by the thief a few minutes ahead (within the allowed skew): a fast-forward that would make the Centre's next correct timestamp look like a rollback.
      const held = store.acceptTimestamp(timestampBy(root.online.timestamp, { issuedAt: NOW + 4 * MINUTE }), NOW);
      replica.recordHead({ size: 1, rootHash: new Uint8Array(32), note: '' }, held);
      const fresh = generateSigningKey('hashfeed/test/timestamp');
      const v2 = successor(
        root.document,
        {
          keys: [...root.document.keys, { verifierKey: fresh.verifier, purpose: 'timestamp', notBefore: NOW - MINUTE, notAfter: NOW + 86_400_000 }],
          revoked: [{ verifierKey: root.online.timestamp.verifier, revokedAt: NOW + MINUTE, reason: 'key compromised' }],
        },
        [root.rootKey],
      );
      store.acceptRoots([v2.envelope]);
      expect(replica.state().timestamp).toBeNull();
      const later = NOW + 2 * MINUTE;
      expect(failure(() => store.acceptTimestamp(timestampBy(root.online.timestamp, { issuedAt: later, rootVersion: 2 }), later))).toEqual({ code: 'SYNC_UNTRUSTED', cause: 'SIGNER_REVOKED' });
      // The compromised key's timestamp no longer guards: the new key's correct one, issued before it, is no "rollback".
      expect(store.acceptTimestamp(timestampBy(fresh, { issuedAt: later, rootVersion: 2 }), later).issuedAt).toBe(later);
    });

    it('makes a replica that applied what a feed key signed after its revocation time re-bootstrap, and refuses such deltas as revoked', async () => {
      const root = makeTestRoot(NOW);
      const replica = replicaAt();
      const store = storeOf(replica, [root.rootKey]);
      store.acceptRoots([root.envelope]);
      const timestamp = store.acceptTimestamp(timestampBy(root.online.timestamp, { version: 2 }), NOW);
      const applied = await store.acceptDelta(deltaBy(root.online.feed, NOW), 0, timestamp);
      store.recordApplied(applied.signers, applied.value.createdAt);
      expect(store.snapshotRequired).toBeNull();
      const v2 = successor(root.document, { revoked: [{ verifierKey: root.online.feed.verifier, revokedAt: NOW - MINUTE, reason: 'key compromised' }] }, [root.rootKey]);
      store.acceptRoots([v2.envelope]);
      expect(store.snapshotRequired).toContain('was revoked');
      let refused: unknown;
      try {
        await store.acceptDelta(deltaBy(root.online.feed, NOW, 2), 1, timestamp);
      } catch (err) {
        refused = err;
      }
      expect(isRevokedSigner(refused)).toBe(true);
    });

    it('leaves a replica alone when the revoked key signed nothing it applied at or after the revocation time', async () => {
      const root = makeTestRoot(NOW);
      const store = storeOf(replicaAt(), [root.rootKey]);
      store.acceptRoots([root.envelope]);
      const timestamp = store.acceptTimestamp(timestampBy(root.online.timestamp), NOW);
      const applied = await store.acceptDelta(deltaBy(root.online.feed, NOW - 2 * MINUTE), 0, timestamp);
      store.recordApplied(applied.signers, applied.value.createdAt);
      store.acceptRoots([successor(root.document, { revoked: [{ verifierKey: root.online.feed.verifier, revokedAt: NOW - MINUTE, reason: 'retired' }] }, [root.rootKey]).envelope]);
      expect(store.snapshotRequired).toBeNull();
    });
  });

  describe('a withheld root (PROTOCOL 9.3 step 2b)', () => {
    it('refuses a timestamp naming a root newer than the source served (SYNC_ROOT_WITHHELD)', () => {
      const root = makeTestRoot(NOW);
      const store = storeOf(replicaAt(), [root.rootKey]);
      store.acceptRoots([root.envelope]);
      store.acceptRoots([]);
      expect(failure(() => store.acceptTimestamp(timestampBy(root.online.timestamp, { rootVersion: 2 }), NOW))).toEqual({ code: 'SYNC_ROOT_WITHHELD' });
    });
  });

  describe('before any root is trusted', () => {
    it('accepts nothing', () => {
      const root = makeTestRoot(NOW);
      expect(failure(() => storeOf(replicaAt(), [root.rootKey]).acceptTimestamp(timestampBy(root.online.timestamp), NOW))).toEqual({ code: 'SYNC_UNTRUSTED' });
    });
  });
});
