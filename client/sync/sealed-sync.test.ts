import { afterEach, describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, signEnvelope } from '../../shared/crypto/index.ts';
import { decodeSealedObject, epochKeyCommitment, generateEncryptionKeyPair, sealFeedObject, SEALED_DELTA_PAYLOAD_TYPE, type EncryptionKeyPair } from '../../shared/seal/index.ts';
import { encodeMsgpack } from '../../shared/wire/codec.ts';
import { codeOfAsync } from '../../shared/testing/code-of.ts';
import { AccessRing } from '../access/access-ring.ts';
import { openReplicaDatabase, type Db } from '../replica/database.ts';
import { Replica } from '../replica/replica.ts';
import { Syncer } from './syncer.ts';
import { testIndicator, TestSealedFeed } from './testing/sealed-feed.ts';
import { makeTestRoot } from './testing/test-root.ts';
import { rootPinOf, TrustedStore } from './trusted-store/index.ts';

const NOW = Date.UTC(2026, 10, 1);
const PROVIDER = 'example-host';
const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

interface Fixture {
  readonly feed: TestSealedFeed;
  readonly pair: EncryptionKeyPair;
  readonly replica: Replica;
  readonly store: TrustedStore;
  readonly syncer: Syncer;
  readonly alerts: string[];
  /** Gives this sidecar the keys of `epochs` through a signed access list. */
  grant(epochs: readonly number[]): Promise<void>;
}

async function fixture(checkAccess?: () => Promise<string | null>): Promise<Fixture> {
  let now = NOW;
  const root = makeTestRoot(NOW);
  const feed = new TestSealedFeed(root, () => now);
  const pair = await generateEncryptionKeyPair();
  const db = openReplicaDatabase(':memory:');
  opened.push(db);
  const replica = new Replica(db);
  const ring = new AccessRing(db, { provider: PROVIDER, ...pair });
  const store = new TrustedStore({ replica, pin: rootPinOf([root.rootKey.verifier.text], 1), feed: root.feed, access: ring });
  const alerts: string[] = [];
  const syncer = new Syncer({ source: feed, replica, store, clock: () => now, onApplied: () => undefined, alert: (code) => alerts.push(code), ...(checkAccess === undefined ? {} : { checkAccess }) });
  await syncer.updateRoot();
  return {
    feed,
    pair,
    replica,
    store,
    syncer,
    alerts,
    grant: async (epochs) => {
      now += 1000;
      await store.acceptAccessList(await feed.accessList({ provider: PROVIDER, publicKey: pair.publicKey }, epochs), now);
    },
  };
}

/** The envelope with its sealed ciphertext's last byte flipped; re-signed by the feed key when `resign`. */
function tampered(envelope: Uint8Array, feed: TestSealedFeed, resign: boolean): Uint8Array {
  const decoded = decodeEnvelope(envelope);
  const sealed = decodeSealedObject('delta', decoded.payload, decoded.payload.byteLength);
  const ciphertext = Uint8Array.from(sealed.ciphertext);
  ciphertext[ciphertext.length - 20] = (ciphertext[ciphertext.length - 20] ?? 0) ^ 1;
  if (resign) {
    const payload = encodeMsgpack({ feed: sealed.feed, version: sealed.version, previous: sealed.previous, createdAt: sealed.createdAt, epoch: sealed.epoch, keyCommitment: sealed.keyCommitment, nonce: sealed.nonce, ciphertext });
    return encodeEnvelope(signEnvelope(SEALED_DELTA_PAYLOAD_TYPE, payload, [feed.root.online.feed]));
  }
  // A mirror's byte flip: the signed bytes change, the signature does not.
  const bytes = Uint8Array.from(envelope);
  const at = Buffer.from(bytes).indexOf(Buffer.from(sealed.ciphertext));
  bytes[at + ciphertext.length - 20] = (bytes[at + ciphertext.length - 20] ?? 0) ^ 1;
  return bytes;
}

describe('syncing the sealed feed (PROTOCOL 13.6)', () => {
  describe('when the sidecar holds the epoch keys', () => {
    it('verifies, opens and applies sealed deltas, and proves the sealed envelopes in the log', async () => {
      const f = await fixture();
      await f.grant([1]);
      f.feed.publish([1, 2, 3].map(testIndicator), [], 1);
      f.feed.publish([testIndicator(4)], [2], 1);
      const outcome = await f.syncer.syncOnce();
      expect([outcome.version, outcome.appliedDeltas, outcome.snapshot]).toEqual([2, 2, false]);
      expect([...f.replica.entries()].map((e) => e.id)).toEqual([1, 3, 4]);
    });

    it('bootstraps from a sealed snapshot', async () => {
      const f = await fixture();
      await f.grant([1]);
      f.feed.publish([1, 2].map(testIndicator), [], 1);
      f.feed.publish([testIndicator(3)], [], 1);
      f.feed.adviseSnapshot = true;
      const outcome = await f.syncer.syncOnce();
      expect([outcome.version, outcome.snapshot, f.replica.size()]).toEqual([2, true, 3]);
    });

    it('continues from plaintext versions published before sealing', async () => {
      const f = await fixture();
      await f.grant([1]);
      f.feed.publish([testIndicator(1)], [], 0);
      f.feed.publish([testIndicator(2)], [], 1);
      expect((await f.syncer.syncOnce()).version).toBe(2);
    });
  });

  describe('when the ciphertext was changed', () => {
    it('refuses one re-signed by a valid feed key that does not open (SYNC_SEAL_BROKEN, cause SEAL_BROKEN)', async () => {
      const f = await fixture();
      await f.grant([1]);
      const { delta } = f.feed.publish([testIndicator(1)], [], 1);
      const head = f.store.acceptTimestamp(await f.feed.timestamp(), NOW);
      await expect(f.store.acceptDelta(tampered(delta, f.feed, true), 0, head)).rejects.toMatchObject({ code: 'SYNC_SEAL_BROKEN', cause: { code: 'SEAL_BROKEN' } });
    });

    it('refuses a sealed delta whose content disagrees with its signed header (SYNC_SEAL_BROKEN)', async () => {
      const f = await fixture();
      await f.grant([1]);
      const { delta } = f.feed.publish([testIndicator(1)], [], 0);
      const inner = decodeEnvelope(delta).payload;
      const key = f.feed.epochKey(1);
      // Signed as made a minute later than the delta it carries: the time 4.6 judges the key at would not be the object's.
      const header = { feed: 'test', version: 1, previous: 0, createdAt: NOW + 60_000, epoch: 1, keyCommitment: epochKeyCommitment('test', 1, key) };
      const moved = encodeEnvelope(signEnvelope(SEALED_DELTA_PAYLOAD_TYPE, sealFeedObject('delta', header, key, inner), [f.feed.root.online.feed]));
      const head = f.store.acceptTimestamp(await f.feed.timestamp(), NOW);
      await expect(f.store.acceptDelta(moved, 0, head)).rejects.toMatchObject({ code: 'SYNC_SEAL_BROKEN', cause: { code: 'SEAL_BROKEN' } });
    });

    it('refuses a mirror’s flipped byte before opening anything (SYNC_UNTRUSTED), and applies nothing', async () => {
      const f = await fixture();
      await f.grant([1]);
      const { delta } = f.feed.publish([testIndicator(1)], [], 1);
      f.feed.serveDelta(1, tampered(delta, f.feed, false));
      expect(await codeOfAsync(f.syncer.syncOnce())).toBe('SYNC_UNTRUSTED');
      expect(f.replica.state().version).toBe(0);
    });
  });

  describe('when an epoch key is missing', () => {
    it('takes the snapshot instead of a delta it cannot open, once', async () => {
      const f = await fixture();
      await f.grant([1, 3]);
      f.feed.publish([testIndicator(1)], [], 1);
      expect((await f.syncer.syncOnce()).version).toBe(1);
      f.feed.publish([testIndicator(2)], [], 2);
      f.feed.publish([testIndicator(3)], [], 3);
      const outcome = await f.syncer.syncOnce();
      expect([outcome.version, outcome.snapshot, f.replica.size()]).toEqual([3, true, 3]);
      expect(f.feed.requests.filter((r) => r === 'snapshot')).toHaveLength(1);
    });

    it('ends the round when the snapshot is sealed under an epoch it lacks too (SYNC_NO_ACCESS)', async () => {
      const f = await fixture();
      await f.grant([1]);
      f.feed.publish([testIndicator(1)], [], 1);
      await f.syncer.syncOnce();
      f.feed.publish([testIndicator(2)], [], 2);
      expect(await codeOfAsync(f.syncer.syncOnce())).toBe('SYNC_NO_ACCESS');
      expect(f.replica.state().version).toBe(1);
    });

    it('downloads no snapshot when it holds no key of the delta\'s epoch or a later one: the snapshot is sealed under one of those', async () => {
      const f = await fixture();
      await f.grant([1]);
      f.feed.publish([testIndicator(1)], [], 1);
      await f.syncer.syncOnce();
      f.feed.publish([testIndicator(2)], [], 2);
      f.feed.requests.splice(0);
      expect(await codeOfAsync(f.syncer.syncOnce())).toBe('SYNC_NO_ACCESS');
      expect(f.feed.requests).not.toContain('snapshot');
    });

    it('downloads no snapshot without any access list either', async () => {
      const f = await fixture();
      f.feed.publish([testIndicator(1)], [], 1);
      expect(await codeOfAsync(f.syncer.syncOnce())).toBe('SYNC_NO_ACCESS');
      expect(f.feed.requests).not.toContain('snapshot');
    });

    it('refuses a sealed object without any access list (SYNC_NO_ACCESS)', async () => {
      const f = await fixture();
      f.feed.publish([testIndicator(1)], [], 1);
      expect(await codeOfAsync(f.syncer.syncOnce())).toBe('SYNC_NO_ACCESS');
    });
  });

  describe('when the access check finds no access', () => {
    it('fetches no feed object and says why', async () => {
      const f = await fixture(async () => 'NO_ACTIVE_ORDER');
      f.feed.publish([testIndicator(1)], [], 1);
      f.feed.requests.splice(0);
      const outcome = await f.syncer.syncOnce();
      expect(outcome).toMatchObject({ version: 0, appliedDeltas: 0, noAccess: 'NO_ACTIVE_ORDER' });
      expect(f.feed.requests).toEqual(['roots']);
    });
  });
});
