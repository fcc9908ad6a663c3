import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEnvelope, generateSigningKey, signEnvelope } from '../../../shared/crypto/index.ts';
import { ACCESS_PAYLOAD_TYPE, epochKeyCommitment, generateEncryptionKeyPair, generateEpochKey, type EncryptionKeyPair } from '../../../shared/seal/index.ts';
import { encodeMsgpack } from '../../../shared/wire/codec.ts';
import { signRootDocument } from '../../../shared/trust/index.ts';
import { codeOfAsync } from '../../../shared/testing/code-of.ts';
import { tempDirs } from '../../../shared/testing/temp-dirs.ts';
import { AccessRing } from '../../access/access-ring.ts';
import { openReplicaDatabase, type Db } from '../../replica/database.ts';
import { Replica } from '../../replica/replica.ts';
import { TestSealedFeed } from '../testing/sealed-feed.ts';
import { makeTestRoot, type TestRoot } from '../testing/test-root.ts';
import { rootPinOf, TrustedStore } from './index.ts';

const NOW = Date.UTC(2026, 10, 1);
const MINUTE = 60_000;
const PROVIDER = 'example-host';
const dirs = tempDirs();
const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  dirs.removeAll();
});

interface Fixture {
  readonly root: TestRoot;
  readonly feed: TestSealedFeed;
  readonly pair: EncryptionKeyPair;
  readonly ring: AccessRing;
  readonly store: TrustedStore;
  readonly path: string;
}

/** A sidecar's store and ring over a replica file, trusting `root`; `pair` is its encryption key. */
function sidecarOver(path: string, root: TestRoot, pair: EncryptionKeyPair): { ring: AccessRing; store: TrustedStore } {
  const db = openReplicaDatabase(path);
  opened.push(db);
  const ring = new AccessRing(db, { provider: PROVIDER, ...pair });
  const store = new TrustedStore({ replica: new Replica(db), pin: rootPinOf([root.rootKey.verifier.text], 1), feed: root.feed, access: ring });
  if (store.root === null) store.acceptRoots([root.envelope]);
  return { ring, store };
}

async function fixture(now = NOW): Promise<Fixture> {
  const root = makeTestRoot(now);
  const pair = await generateEncryptionKeyPair();
  const path = join(dirs.make('hf-access-'), 'replica.db');
  return { root, feed: new TestSealedFeed(root, () => now), pair, path, ...sidecarOver(path, root, pair) };
}

const me = (f: Fixture) => ({ provider: PROVIDER, publicKey: f.pair.publicKey });

describe('access list (PROTOCOL 13.4)', () => {
  describe('when the list is this provider’s, signed by the provider-list key', () => {
    it('opens the wraps for this sidecar and holds the keys, in memory', async () => {
      const f = await fixture();
      const update = await f.store.acceptAccessList(await f.feed.accessList(me(f), [1, 2]), NOW);
      expect(update.changed).toBe(true);
      expect(f.ring.epochs).toEqual([1, 2]);
      expect(Buffer.from(f.ring.keyFor(2) ?? [])).toEqual(Buffer.from(f.feed.epochKey(2)));
      expect(f.ring.noAccessReason()).toBeNull();
    });

    it('treats the same list again as a no-op', async () => {
      const f = await fixture();
      const envelope = await f.feed.accessList(me(f), [1]);
      await f.store.acceptAccessList(envelope, NOW);
      expect((await f.store.acceptAccessList(envelope, NOW)).changed).toBe(false);
    });

    it('skips the wraps for the provider’s other sidecars', async () => {
      const f = await fixture();
      const other = await generateEncryptionKeyPair();
      await f.store.acceptAccessList(await f.feed.accessList({ provider: PROVIDER, publicKey: other.publicKey }, [1]), NOW);
      expect(f.ring.epochs).toEqual([]);
      expect(f.ring.noAccessReason()).toBe('NO_KEY_FOR_THIS_SIDECAR');
    });
  });

  describe('when the list is refused', () => {
    const replayed = async (f: Fixture): Promise<Uint8Array> => {
      const older = new TestSealedFeed(f.root, () => NOW - MINUTE);
      for (const epoch of [1]) older.epochKey(epoch).set(f.feed.epochKey(epoch));
      const envelope = await older.accessList(me(f), [1]);
      await f.store.acceptAccessList(await f.feed.accessList(me(f), [1]), NOW);
      return envelope;
    };
    it.each<[string, string, (f: Fixture) => Promise<Uint8Array>]>([
      ['signed by a key listed for another purpose', 'ACCESS_UNTRUSTED', (f) => f.feed.accessList(me(f), [1], { signer: f.root.online.feed })],
      ['signed by a key the root does not list', 'ACCESS_UNTRUSTED', (f) => f.feed.accessList(me(f), [1], { signer: generateSigningKey('hashfeed/test/provider-list') })],
      ['not an envelope', 'ACCESS_MALFORMED', async () => Uint8Array.from([1, 2, 3])],
      ['a payload that fails the strict guard', 'ACCESS_MALFORMED', async (f) => encodeEnvelope(signEnvelope(ACCESS_PAYLOAD_TYPE, encodeMsgpack({ provider: PROVIDER }), [f.root.online['provider-list']]))],
      ['for another provider', 'ACCESS_WRONG_PROVIDER', (f) => f.feed.accessList({ provider: 'other-host', publicKey: f.pair.publicKey }, [1])],
      ['for another feed', 'ACCESS_WRONG_FEED', (f) => f.feed.accessList(me(f), [1], { overrides: { feed: 'other-feed' } })],
      ['issued beyond the allowed skew ahead', 'ACCESS_FROM_FUTURE', (f) => f.feed.accessList(me(f), [1], { overrides: { issuedAt: NOW + 10 * MINUTE } })],
      ['replayed: older than the list held', 'ACCESS_ROLLBACK', replayed],
      ['with a wrap made for another provider', 'ACCESS_UNWRAP_FAILED', (f) => f.feed.accessList(me(f), [1], { wrapFor: { provider: 'other-host' } })],
      ['with a wrap made for another epoch', 'ACCESS_UNWRAP_FAILED', (f) => f.feed.accessList(me(f), [1], { wrapFor: { epoch: 2 } })],
      ['with a key that is not the committed one', 'ACCESS_KEY_MISMATCH', (f) => f.feed.accessList(me(f), [1], { commitmentOf: (epoch) => epochKeyCommitment(f.root.feed, epoch, generateEpochKey()) })],
    ])('refuses a list %s (%s) and keeps what it held', async (_name, code, make) => {
      const f = await fixture();
      const envelope = await make(f);
      const held = f.ring.epochs;
      expect(await codeOfAsync(f.store.acceptAccessList(envelope, NOW))).toBe(code);
      expect(f.ring.epochs).toEqual(held);
    });

    it('refuses every list before a root is trusted (ACCESS_UNTRUSTED)', async () => {
      const f = await fixture();
      const db = openReplicaDatabase(':memory:');
      opened.push(db);
      const ring = new AccessRing(db, { provider: PROVIDER, ...f.pair });
      const store = new TrustedStore({ replica: new Replica(db), pin: rootPinOf([f.root.rootKey.verifier.text], 1), feed: f.root.feed, access: ring });
      expect(await codeOfAsync(store.acceptAccessList(await f.feed.accessList(me(f), [1]), NOW))).toBe('ACCESS_UNTRUSTED');
    });
  });

  describe('when the list gives no keys', () => {
    it.each<[string, Parameters<TestSealedFeed['accessList']>[2], string]>([
      ['not entitled: no order in force', { overrides: { entitled: false, basis: undefined, reason: 'NO_ACTIVE_ORDER', keys: [] } }, 'NO_ACTIVE_ORDER'],
      ['entitled, the encryption key pending', { overrides: { reason: 'ENCRYPTION_KEY_PENDING', keys: [] } }, 'ENCRYPTION_KEY_PENDING'],
    ])('reports no access with the list’s reason (%s)', async (_name, options, reason) => {
      const f = await fixture();
      await f.store.acceptAccessList(await f.feed.accessList(me(f), [], options), NOW);
      expect(f.ring.noAccessReason()).toBe(reason);
    });

    it('drops the keys it held when a newer list withdraws them', async () => {
      const f = await fixture();
      await f.store.acceptAccessList(await f.feed.accessList(me(f), [1]), NOW);
      const later = new TestSealedFeed(f.root, () => NOW + MINUTE);
      await f.store.acceptAccessList(await later.accessList(me(f), [], { overrides: { entitled: false, basis: undefined, reason: 'NO_ACTIVE_ORDER' } }), NOW + MINUTE);
      expect([f.ring.epochs, f.ring.noAccessReason()]).toEqual([[], 'NO_ACTIVE_ORDER']);
    });
  });

  describe('across a restart', () => {
    it('persists the list, never its keys, and opens it again with the private key', async () => {
      const f = await fixture();
      await f.store.acceptAccessList(await f.feed.accessList(me(f), [1, 2]), NOW);
      opened.splice(0).forEach((db) => db.close());
      const raw = openReplicaDatabase(f.path);
      opened.push(raw);
      const stored = raw.prepare<[], { envelope: Buffer }>('SELECT envelope FROM access_list').all();
      expect(stored).toHaveLength(1);
      expect(Buffer.from(stored[0]?.envelope ?? []).includes(Buffer.from(f.feed.epochKey(1)))).toBe(false);
      const again = sidecarOver(f.path, f.root, f.pair);
      expect(again.ring.epochs).toEqual([]);
      await again.store.restoreAccessList(NOW + MINUTE);
      expect(again.ring.epochs).toEqual([1, 2]);
      // The held list still guards against a replay after the restart.
      const older = new TestSealedFeed(f.root, () => NOW - MINUTE);
      expect(await codeOfAsync(again.store.acceptAccessList(await older.accessList(me(f), [3]), NOW + MINUTE))).toBe('ACCESS_ROLLBACK');
    });

    it('opens nothing when the encryption key changed', async () => {
      const f = await fixture();
      await f.store.acceptAccessList(await f.feed.accessList(me(f), [1]), NOW);
      const again = sidecarOver(f.path, f.root, await generateEncryptionKeyPair());
      await again.store.restoreAccessList(NOW);
      expect([again.ring.epochs, again.ring.noAccessReason()]).toEqual([[], 'NO_KEY_FOR_THIS_SIDECAR']);
    });
  });

  describe('when the trusted root revokes the provider-list key that signed the list held (PROTOCOL 4.7)', () => {
    it('stops giving its keys, even with no newer list', async () => {
      const f = await fixture();
      await f.store.acceptAccessList(await f.feed.accessList(me(f), [1]), NOW);
      expect(f.store.checkHeldAccessList(NOW)).toBe(false);
      const v2 = { ...f.root.document, version: 2, issuedAt: NOW + MINUTE, revoked: [{ verifierKey: f.root.online['provider-list'].verifier, revokedAt: NOW, reason: 'key compromised' }] };
      f.store.acceptRoots([signRootDocument(v2, [f.root.rootKey])]);
      expect(f.store.checkHeldAccessList(NOW + MINUTE)).toBe(true);
      expect([f.ring.epochs, f.ring.noAccessReason()]).toEqual([[], 'ACCESS_LIST_WITHDRAWN']);
    });
  });
});
