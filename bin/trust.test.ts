import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEnvelope, generateSigningKey, readPrivateKeyFile, signEnvelope, type SigningKey } from '../shared/crypto/index.ts';
import { openCentre } from '../server/centre.ts';
import { exportFeed } from '../server/export.ts';
import { decodeEnvelope } from '../shared/crypto/index.ts';
import { encodeTimestamp, TIMESTAMP_PAYLOAD_TYPE } from '../shared/wire/timestamp.ts';
import { hashLeaf, MerkleTree } from '../shared/merkle/index.ts';
import { feedOrigin, signCheckpoint } from '../shared/note/index.ts';
import { startStaticMirror } from './testing/static-mirror.ts';
import { onlineKeyPath } from '../server/keys/online-keys.ts';
import { signRootDocument } from '../shared/trust/index.ts';
import { encodeRootList } from '../shared/wire/delta-chain.ts';
import { Matcher } from '../client/match/matcher.ts';
import type { FetchLike } from '../client/net/http.ts';
import { openReplicaDatabase } from '../client/replica/database.ts';
import { Replica } from '../client/replica/replica.ts';
import { createSidecar } from '../client/sidecar/sidecar.ts';
import { HttpFeedSource } from '../client/sync/feed-source.ts';
import { Syncer } from '../client/sync/syncer.ts';
import { pinText, rootPinOf } from '../client/sync/trusted-store/index.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { centreRootKeys, currentRoot, installRoot, newRootKeys, pinnedStore, rotateCentreKeys, signNextRoot } from './testing/centre-roots.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
import { sidecarConfigFor } from './testing/sidecar-config.ts';
import { entitleSidecar, feedAccessFor, type TestFeedAccess } from './testing/feed-access.ts';

const dirs = tempDirs();
const pdq = (): string => randomBytes(32).toString('hex');
const MINUTE = 60_000;

type Tamper = (url: string, body: Uint8Array) => Uint8Array;

/** The network between sidecar and Centre (or a mirror, a proxy), where a withholding or replaying party sits. */
function tamperingFetch(tamper: { current?: Tamper; answer?: (url: string) => Uint8Array | undefined }): FetchLike {
  return async (url, init) => {
    const answered = tamper.answer?.(url);
    if (answered !== undefined) return { status: 200, headers: new Headers(), body: (async function* () { yield answered; })() };
    const res = await fetch(url, init);
    if (tamper.current === undefined || res.status !== 200) return { status: res.status, headers: res.headers, body: res.body };
    const body = tamper.current(url, new Uint8Array(await res.arrayBuffer()));
    return { status: 200, headers: new Headers(), body: (async function* () { yield body; })() };
  };
}

interface Client {
  readonly path: string;
  readonly replica: Replica;
  readonly syncer: Syncer;
  readonly alerts: string[];
  readonly tamper: { current?: Tamper; answer?: (url: string) => Uint8Array | undefined };
  readonly matches: (hash: string) => number;
  /** This sidecar's epoch keys, held in its replica (PROTOCOL 13.4). */
  readonly access: TestFeedAccess;
}

async function client(centre: LoopbackCentre, pin: { keys?: readonly string[]; threshold?: number; mirror?: string } = {}): Promise<Client> {
  const path = join(dirs.make('hf-trust-replica-'), 'replica.db');
  const db = openReplicaDatabase(path);
  const replica = new Replica(db);
  // A pooled keep-alive socket may still point at a Centre the test restarted: one retry, as the loopback Centre's own calls do.
  const access = await feedAccessFor(centre, db).catch(() => feedAccessFor(centre, db));
  const matcher = await Matcher.create(replica.entries());
  const alerts: string[] = [];
  const tamper: { current?: Tamper; answer?: (url: string) => Uint8Array | undefined } = {};
  const where = pin.mirror === undefined ? { baseUrl: centre.url, mode: 'centre' as const, token: centre.tokens.provider } : { baseUrl: pin.mirror, mode: 'mirror' as const };
  const source = new HttpFeedSource({ ...where, fetch: tamperingFetch(tamper), limits: { snapshotBytes: 1 << 20, deltaBytes: 1 << 20 } });
  const alert = (code: string): void => void alerts.push(code);
  const store = pinnedStore(replica, pin.keys ?? centre.rootKey, { threshold: pin.threshold ?? 1, alert, access: access.ring });
  const syncer = new Syncer({ source, replica, store, clock: Date.now, onApplied: (c) => matcher.apply(c), alert, checkAccess: access.checkAccess(store) });
  return { path, replica, syncer, alerts, tamper, matches: (hash) => matcher.match([{ algorithm: 'pdq', hash: Buffer.from(hash, 'hex') }]).length, access };
}

async function failure(c: Client): Promise<{ code?: string; cause?: string }> {
  try {
    await c.syncer.syncOnce();
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : String(err);
    const cause = err instanceof Error && err.cause instanceof Error && 'code' in err.cause ? String(err.cause.code) : undefined;
    return cause === undefined ? { code } : { code, cause };
  }
  return {};
}

/** The private half of the oldest key the Centre's root lists for `purpose` (its first, from init). */
function firstKeyOf(centre: LoopbackCentre, purpose: string): SigningKey {
  const listed = currentRoot(centre.dataDir).document.keys.find((k) => k.purpose === purpose);
  if (listed === undefined) throw new Error(`no ${purpose} key`);
  return readPrivateKeyFile(onlineKeyPath(centre.dataDir, purpose, listed.verifierKey.keyIdHex));
}

describe('the root of trust against a real Centre', () => {
  afterEach(async () => {
    try {
      await stopLoopbackCentres();
    } finally {
      dirs.removeAll();
    }
  });

  describe('when the root keys are rotated to a 2-of-3 set', () => {
    it('is followed by a sidecar pinning the old key, anchored by a fresh one pinning the new keys, and a forgery below the threshold is refused', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const running = await client(centre);
      await running.syncer.syncOnce();

      const [n1, n2, n3] = newRootKeys(centre.dataDir, 'eu-centre', 3) as [SigningKey, SigningKey, SigningKey];
      const old = centreRootKeys(centre.dataDir);
      installRoot(centre.dataDir, signNextRoot(centre.dataDir, (current) => ({ ...current, rootKeys: [n1.verifier, n2.verifier, n3.verifier], rootThreshold: 2 }), [...old, n1, n2]));
      const a = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: a }]);
      expect(await running.syncer.syncOnce()).toMatchObject({ version: 2 });
      expect([running.replica.state().rootVersion, running.matches(a)]).toEqual([2, 1]);

      const fresh = await client(centre, { keys: [n1, n2, n3].map((k) => k.verifier.text), threshold: 2 });
      expect(await fresh.syncer.syncOnce()).toMatchObject({ version: 2 });
      expect(fresh.replica.state().rootVersion).toBe(2);

      // Version 3 signed by one of the new root keys only: a thief of one key cannot rotate the root.
      const forged = signRootDocument({ ...currentRoot(centre.dataDir).document, version: 3, rootKeys: [n1.verifier], rootThreshold: 1 }, [n1]);
      running.tamper.current = (url, body) => (url.includes('/v1/feed/keys') ? encodeRootList([forged]) : body);
      expect(await failure(running)).toEqual({ code: 'SYNC_UNTRUSTED', cause: 'ROOT_THRESHOLD_NOT_MET' });
      expect(running.replica.state().rootVersion).toBe(2);
    });
  });

  describe('when a source withholds a newer root', () => {
    it('refuses the round with SYNC_ROOT_WITHHELD, and syncs once the root comes through', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const sidecar = await client(centre);
      await sidecar.syncer.syncOnce();
      // The running Centre rotates its feed key (root version 2) and names it in its very next timestamp.
      rotateCentreKeys(centre.dataDir, ['feed']);
      sidecar.tamper.current = (url, body) => (url.includes('/v1/feed/keys') ? encodeRootList([]) : body);
      expect(await failure(sidecar)).toEqual({ code: 'SYNC_ROOT_WITHHELD' });
      sidecar.tamper.current = undefined;
      await sidecar.syncer.syncOnce();
      expect(sidecar.replica.state().rootVersion).toBe(2);
    });
  });

  describe('when the timestamp key is revoked', () => {
    it('refuses its timestamps at once, even inside their window, while the Centre goes on under the new key', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const sidecar = await client(centre);
      await sidecar.syncer.syncOnce();
      const stolen = new Uint8Array(await (await fetch(`${centre.url}/v1/feed/timestamp`, { headers: { authorization: `Bearer ${centre.tokens.provider}` } })).arrayBuffer());
      const compromised = firstKeyOf(centre, 'timestamp');
      rotateCentreKeys(centre.dataDir, ['timestamp']);
      installRoot(centre.dataDir, signNextRoot(centre.dataDir, (current) => ({ ...current, revoked: [{ verifierKey: compromised.verifier, revokedAt: Date.now() - MINUTE, reason: 'key compromised' }] })));

      await sidecar.syncer.syncOnce();
      expect(sidecar.replica.state().rootVersion).toBe(3);
      sidecar.tamper.current = (url, body) => (url.endsWith('/v1/feed/timestamp') ? stolen : body);
      expect(await failure(sidecar)).toEqual({ code: 'SYNC_UNTRUSTED', cause: 'SIGNER_REVOKED' });
    });
  });

  describe('when the feed key is revoked after it signed a delta', () => {
    it('refuses that delta to a lagging replica, which recovers through a snapshot signed by the new key; a replica that applied it re-bootstraps', async () => {
      const centre = await startLoopbackCentre();
      const a = pdq();
      // Enough entries that the Centre advises deltas, not a snapshot, to a replica one version behind (sealed deltas weigh more).
      await centre.publish([{ algorithm: 'pdq', hash: a }, ...Array.from({ length: 20 }, () => ({ algorithm: 'pdq', hash: pdq() }))]);
      const lagging = await client(centre);
      const current = await client(centre);
      await lagging.syncer.syncOnce();
      await current.syncer.syncOnce();

      // The feed key is stolen; from this instant on, whatever it signs is the thief's.
      const compromised = firstKeyOf(centre, 'feed');
      await new Promise((resolve) => setTimeout(resolve, 5)); // version 1 was signed strictly before the theft
      const revokedAt = Date.now();
      const planted = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: planted }]);
      expect(await current.syncer.syncOnce()).toMatchObject({ version: 2 });

      rotateCentreKeys(centre.dataDir, ['feed']);
      installRoot(centre.dataDir, signNextRoot(centre.dataDir, (root) => ({ ...root, revoked: [{ verifierKey: compromised.verifier, revokedAt, reason: 'key compromised' }] })));
      await centre.revokeAndPublish(planted);

      expect(await lagging.syncer.syncOnce()).toMatchObject({ version: 3, snapshot: true });
      expect([lagging.matches(a), lagging.matches(planted)]).toEqual([1, 0]);
      expect(lagging.alerts).toContain('SYNC_FEED_KEY_REVOKED');

      expect(await current.syncer.syncOnce()).toMatchObject({ version: 3, snapshot: true });
      expect([current.matches(a), current.matches(planted)]).toEqual([1, 0]);
      expect(current.alerts).toContain('SYNC_FEED_KEY_REVOKED');
      expect(current.replica.trust.snapshotRequired()).toBeNull();
    });
  });

  describe('when the provider-list key that signed the held order list is revoked', () => {
    it('stops authorising scans under that list once the root is trusted, even when no newer list can be fetched', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const t0 = Date.now();
      const order = { orderId: 'AT-1', issuingAuthority: 'Landesgericht Wien', legalReference: 'LG 1/26', provider: 'example-host', surfaces: ['uploads'], targets: { users: [], groups: ['g-1'], channels: [] }, notBefore: t0 - MINUTE, notAfter: t0 + 30 * 24 * 60 * MINUTE };
      const posted = await fetch(`${centre.url}/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${centre.tokens.operator}`, 'content-type': 'application/json' }, body: JSON.stringify(order) });
      expect(posted.status).toBe(201);
      // Whoever holds the stolen key also sits between the sidecar and the Centre's order list.
      const blocked = { orders: false };
      const network: FetchLike = async (url, init) => {
        if (blocked.orders && url.includes('/v1/feed/orders')) throw new Error('connection reset');
        const res = await fetch(url, init);
        return { status: res.status, headers: res.headers, body: res.body };
      };
      const sidecar = await createSidecar({ config: sidecarConfigFor(centre, dirs.make('hf-trust-sidecar-')), fetch: network, logger: pino({ level: 'silent' }) });
      const decide = (): string => {
        const decision = sidecar.policy.decideScan({ surfaceId: 'uploads', subject: 'group:g-1', now: Date.now() });
        return decision.allowed ? `allowed:${decision.order.orderId}` : decision.code;
      };
      try {
        await entitleSidecar(centre, sidecar);
        await sidecar.syncOnce();
        expect(decide()).toBe('allowed:AT-1');
        expect(sidecar.replica.state().version).toBe(1);

        const compromised = firstKeyOf(centre, 'provider-list');
        rotateCentreKeys(centre.dataDir, ['provider-list']);
        installRoot(centre.dataDir, signNextRoot(centre.dataDir, (root) => ({ ...root, revoked: [{ verifierKey: compromised.verifier, revokedAt: t0, reason: 'key compromised' }] })));
        blocked.orders = true;
        await expect(sidecar.syncOnce()).rejects.toMatchObject({ code: 'ORDERS_NETWORK' });
        expect(sidecar.replica.state().rootVersion).toBe(3);
        expect(decide()).toBe('NO_ACTIVE_ORDER');

        // The Centre's next list, signed by the fresh key, authorises again.
        blocked.orders = false;
        await sidecar.syncOnce();
        expect(decide()).toBe('allowed:AT-1');
      } finally {
        await sidecar.stop();
      }
    });
  });

  describe('when stolen timestamp and checkpoint keys showed a sidecar a log the Centre never wrote', () => {
    it('syncs again once the root revokes them, instead of refusing every later head as a split view', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const sidecar = await client(centre);
      await sidecar.syncer.syncOnce();
      const held = sidecar.replica.state();
      const heldSize = held.checkpoint?.size ?? 0;
      const stolen = { timestamp: firstKeyOf(centre, 'timestamp'), checkpoint: firstKeyOf(centre, 'checkpoint') };
      const theft = Date.now() - 1;

      // The thief extends the real log with a leaf of its own and signs a head for it: consistent with what the sidecar saw.
      const listing: unknown = await (await fetch(`${centre.url}/v1/log/leaves?start=0&limit=1000`)).json();
      const leaves = (listing as { leaves: { leafHash: string }[] }).leaves.map((l) => new Uint8Array(Buffer.from(l.leafHash, 'base64')));
      const forgedTree = MerkleTree.fromLeafHashes([...leaves, hashLeaf(randomBytes(32))]);
      const size = leaves.length + 1;
      const rootHash = forgedTree.rootHash(size);
      const note = signCheckpoint({ origin: feedOrigin('eu-centre'), size, rootHash, extensions: [] }, stolen.checkpoint);
      const timestamp = encodeEnvelope(
        signEnvelope(TIMESTAMP_PAYLOAD_TYPE, encodeTimestamp({ feed: 'eu-centre', version: held.version, logSize: size, logRoot: rootHash, issuedAt: Date.now(), expires: Date.now() + 60 * MINUTE, rootVersion: 1 }), [stolen.timestamp]),
      );
      const proof = JSON.stringify({ from: heldSize, to: size, proof: forgedTree.consistencyProof(heldSize, size).map((h) => Buffer.from(h).toString('base64')) });
      sidecar.tamper.answer = (url) =>
        url.endsWith('/v1/feed/timestamp') ? timestamp : url.endsWith('/v1/log/checkpoint') ? new TextEncoder().encode(note) : url.includes(`/v1/log/proof/consistency/${heldSize}/${size}`) ? new TextEncoder().encode(proof) : undefined;
      await sidecar.syncer.syncOnce();
      expect(sidecar.replica.state().checkpoint?.size).toBe(size);
      sidecar.tamper.answer = undefined;

      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      expect(await failure(sidecar)).toMatchObject({ code: 'SYNC_SPLIT_VIEW' });

      rotateCentreKeys(centre.dataDir, ['timestamp', 'checkpoint']);
      installRoot(
        centre.dataDir,
        signNextRoot(centre.dataDir, (root) => ({
          ...root,
          revoked: [
            { verifierKey: stolen.timestamp.verifier, revokedAt: theft, reason: 'key compromised' },
            { verifierKey: stolen.checkpoint.verifier, revokedAt: theft, reason: 'key compromised' },
          ],
        })),
      );
      expect(await failure(sidecar)).toEqual({});
      expect(sidecar.replica.state().version).toBe(2);
    });
  });

  describe('when a root drops a past feed key from its list', () => {
    it('lets a lagging replica, whose next delta that key signed, catch up through the snapshot', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const lagging = await client(centre);
      await lagging.syncer.syncOnce();
      const old = firstKeyOf(centre, 'feed');
      const b = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: b }]);
      rotateCentreKeys(centre.dataDir, ['feed']);
      installRoot(centre.dataDir, signNextRoot(centre.dataDir, (root) => ({ ...root, keys: root.keys.filter((k) => !k.verifierKey.equals(old.verifier)) })));
      const c = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: c }]);

      expect(await failure(lagging)).toEqual({});
      expect([lagging.replica.state().version, lagging.matches(b), lagging.matches(c)]).toEqual([3, 1, 1]);
    });
  });

  describe('when the sidecar dies right after a snapshot or a delta is written', () => {
    it('has already recorded which feed key signed what it holds, so that a later revocation still finds it', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }, { algorithm: 'pdq', hash: pdq() }]);
      const sidecar = await client(centre);
      // What a SIGKILL would leave at each turn of the event loop: the committed rows, read through a second connection.
      const disk = openReplicaDatabase(sidecar.path);
      const seen: { version: number; signers: number }[] = [];
      let polling = true;
      const poll = (): void => {
        if (!polling) return;
        const read = disk.transaction(() => ({
          version: disk.prepare<[], { version: number }>('SELECT version FROM trusted_state WHERE id = 1').get()?.version ?? 0,
          signers: disk.prepare<[], { n: number }>('SELECT count(*) AS n FROM feed_signers').get()?.n ?? 0,
        }));
        seen.push(read());
        setImmediate(poll);
      };
      try {
        poll();
        await sidecar.syncer.syncOnce(); // bootstrap: a snapshot into an empty replica
        await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
        await sidecar.syncer.syncOnce(); // a delta
        // As a revocation of the feed key would (PROTOCOL 4.7): the next round takes the snapshot over the rows held.
        const pin = pinText(rootPinOf([centre.rootKey], 1));
        sidecar.replica.trust.saveRoot({ envelope: currentRoot(centre.dataDir).envelope, version: 1, pin }, { dropTimestamp: false, snapshotRequired: 'the test asks for a snapshot' });
        await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
        expect(await sidecar.syncer.syncOnce()).toMatchObject({ version: 3, snapshot: true }); // a snapshot over rows held
      } finally {
        polling = false;
        disk.close();
      }
      expect(seen.filter((s) => s.version > 0 && s.signers === 0)).toEqual([]);
      expect(new Set(seen.map((s) => s.version))).toEqual(new Set([0, 1, 2, 3]));
    });
  });

  describe('when an online key signs for another purpose', () => {
    it('refuses a timestamp signed by the feed key (SIGNER_WRONG_PURPOSE)', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const sidecar = await client(centre);
      const feedKey = firstKeyOf(centre, 'feed');
      // The same statement, re-signed by the key that signs deltas: a thief of the feed key cannot make the feed look fresh.
      sidecar.tamper.current = (url, body) => (url.endsWith('/v1/feed/timestamp') ? encodeEnvelope(signEnvelope(TIMESTAMP_PAYLOAD_TYPE, decodeEnvelope(body).payload, [feedKey])) : body);
      expect(await failure(sidecar)).toEqual({ code: 'SYNC_UNTRUSTED', cause: 'SIGNER_WRONG_PURPOSE' });
      expect(sidecar.replica.state().version).toBe(0);
    });
  });

  describe('when the root chain outgrows one answer (60 rotations of every online key, some 1.3 MiB of root envelopes)', () => {
    const rotateEveryKey = (dataDir: string, times: number): void => {
      for (let i = 0; i < times; i++) rotateCentreKeys(dataDir, ['timestamp', 'feed', 'provider-list', 'checkpoint', 'forwarding']);
    };

    it('is walked in pages by a fresh sidecar and by one that lagged since version 1, within the default size limits', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const lagging = await client(centre);
      await lagging.syncer.syncOnce();
      rotateEveryKey(centre.dataDir, 60);
      const a = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: a }]);

      const fresh = await client(centre);
      expect(await failure(fresh)).toEqual({});
      expect([fresh.replica.state().rootVersion, fresh.matches(a)]).toEqual([61, 1]);
      expect(await failure(lagging)).toEqual({});
      expect([lagging.replica.state().rootVersion, lagging.matches(a)]).toEqual([61, 1]);
    });

    it('is anchored past the first page by a fresh sidecar whose pin names a later version\'s root key', async () => {
      const centre = await startLoopbackCentre();
      rotateEveryKey(centre.dataDir, 65);
      const [n1] = newRootKeys(centre.dataDir, 'eu-centre', 1) as [SigningKey];
      installRoot(centre.dataDir, signNextRoot(centre.dataDir, (current) => ({ ...current, rootKeys: [n1.verifier], rootThreshold: 1 }), [...centreRootKeys(centre.dataDir), n1]));
      const a = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: a }]);

      const fresh = await client(centre, { keys: [n1.verifier.text] });
      expect(await failure(fresh)).toEqual({});
      expect([fresh.replica.state().rootVersion, fresh.matches(a)]).toEqual([67, 1]);
    });

    it('is walked a page at a time from a static mirror whose list holds more versions than one update walks', async () => {
      // 300 small versions (each changes only the root threshold back and forth) fit in well under 1 MiB.
      const [r1, r2] = [1, 2].map((i) => generateSigningKey(`hashfeed/eu-centre/root-${i}`)) as [SigningKey, SigningKey];
      const chain = Array.from({ length: 300 }, (_, i) => signRootDocument({ feed: 'eu-centre', version: i + 1, issuedAt: i, rootKeys: [r1.verifier, r2.verifier], rootThreshold: 1 + (i % 2), keys: [], revoked: [] }, [r1, r2]));
      const out = dirs.make('hf-trust-mirror-');
      mkdirSync(join(out, 'v1', 'feed'), { recursive: true });
      writeFileSync(join(out, 'v1', 'feed', 'keys'), encodeRootList(chain));
      const mirror = await startStaticMirror(out);
      try {
        const replica = new Replica(openReplicaDatabase(join(dirs.make('hf-trust-replica-'), 'replica.db')));
        const store = pinnedStore(replica, r1.verifier.text);
        const syncer = new Syncer({ source: new HttpFeedSource({ baseUrl: mirror.url, mode: 'mirror', fetch: tamperingFetch({}) }), replica, store, clock: Date.now, onApplied: () => undefined, alert: () => undefined });
        await syncer.updateRoot();
        expect(store.rootVersion).toBe(256);
        await syncer.updateRoot();
        expect(store.rootVersion).toBe(300);
      } finally {
        await mirror.stop();
      }
    });

    it('is walked version by version from a static mirror, whose whole list is too large to read', async () => {
      let centre = await startLoopbackCentre();
      const a = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: a }]);
      await centre.stop();
      rotateEveryKey(centre.dataDir, 60);
      const out = dirs.make('hf-trust-mirror-');
      const offline = openCentre(centre.dataDir, Date.now(), {});
      try {
        exportFeed(offline, out, Date.now());
      } finally {
        offline.close();
      }
      // The mirror serves the sealed feed; the access list comes from the Centre alone (PROTOCOL 13.7).
      centre = await centre.restart(Number(new URL(centre.url).port));
      const mirror = await startStaticMirror(out);
      try {
        const fresh = await client(centre, { mirror: mirror.url });
        expect(await failure(fresh)).toEqual({});
        expect([fresh.replica.state().rootVersion, fresh.matches(a)]).toEqual([61, 1]);
        expect(await failure(fresh)).toEqual({});
      } finally {
        await mirror.stop();
      }
    });
  });

  describe('from a static mirror', () => {
    it('follows a root rotation by slicing the whole root list the mirror serves', async () => {
      let centre = await startLoopbackCentre();
      const a = pdq();
      await centre.publish([{ algorithm: 'pdq', hash: a }]);
      const exportTo = async (): Promise<string> => {
        await centre.stop();
        const out = dirs.make('hf-trust-mirror-');
        const offline = openCentre(centre.dataDir, Date.now(), {});
        try {
          exportFeed(offline, out, Date.now());
        } finally {
          offline.close();
        }
        centre = await centre.restart(Number(new URL(centre.url).port));
        return out;
      };
      const first = await startStaticMirror(await exportTo());
      const sidecar = await client(centre, { mirror: first.url });
      try {
        await sidecar.syncer.syncOnce();
      } finally {
        await first.stop();
      }
      rotateCentreKeys(centre.dataDir, ['timestamp', 'feed']);
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const second = await startStaticMirror(await exportTo());
      try {
        const next = await client(centre, { mirror: second.url });
        // The same replica, pointed at the new export: versions 1 and 2 are served together, version 1 is skipped by position.
        const movedStore = pinnedStore(sidecar.replica, centre.rootKey, { access: sidecar.access.ring });
        const moved = new Syncer({ source: new HttpFeedSource({ baseUrl: second.url, mode: 'mirror', fetch: tamperingFetch({}) }), replica: sidecar.replica, store: movedStore, clock: Date.now, onApplied: () => undefined, alert: () => undefined, checkAccess: sidecar.access.checkAccess(movedStore) });
        expect(await moved.syncOnce()).toMatchObject({ version: 2 });
        expect(sidecar.replica.state().rootVersion).toBe(2);
        expect(await next.syncer.syncOnce()).toMatchObject({ version: 2 });
      } finally {
        await second.stop();
      }
    });
  });

  describe('when the Centre has a 2-of-3 root', () => {
    it('is anchored by a sidecar configured with rootKeys and rootThreshold 2, and not by a pin naming only one of its keys', async () => {
      const centre = await startLoopbackCentre({}, 0, undefined, undefined, { keyCount: 3, threshold: 2 });
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      expect([centre.rootKeys.length, centre.rootThreshold]).toEqual([3, 2]);
      const config = sidecarConfigFor(centre, dirs.make('hf-trust-sidecar-'), { rootKey: undefined, rootKeys: centre.rootKeys, rootThreshold: 2 });
      expect(config.feed).toBe('eu-centre');
      const sidecar = await createSidecar({ config });
      try {
        await entitleSidecar(centre, sidecar);
        expect(await sidecar.syncOnce()).toMatchObject({ version: 1 });
        expect(sidecar.health()).toMatchObject({ status: 'ok', rootVersion: 1 });
      } finally {
        await sidecar.stop({ deadlineMs: 1000 });
      }
      const strangers = [2, 3].map((i) => generateSigningKey(`hashfeed/eu-centre/root-${i}`).verifier.text);
      const misled = await client(centre, { keys: [centre.rootKeys[0] ?? '', ...strangers], threshold: 2 });
      expect(await failure(misled)).toEqual({ code: 'SYNC_UNTRUSTED', cause: 'ROOT_NOT_ANCHORED' });
    });
  });

  describe('the sidecar service', () => {
    it('shows the trusted root version in /healthz and /metrics', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish([{ algorithm: 'pdq', hash: pdq() }]);
      const sidecar = await createSidecar({ config: sidecarConfigFor(centre, dirs.make('hf-trust-sidecar-')) });
      try {
        expect(await (await sidecar.app.request('/healthz')).json()).toMatchObject({ rootVersion: null });
        await entitleSidecar(centre, sidecar);
        expect(await sidecar.syncOnce()).toMatchObject({ version: 1 });
        rotateCentreKeys(centre.dataDir, ['provider-list']);
        await sidecar.syncOnce();
        expect(await (await sidecar.app.request('/healthz')).json()).toMatchObject({ status: 'ok', rootVersion: 2 });
        expect(await (await sidecar.app.request('/metrics')).text()).toMatch(/^hashfeed_root_version 2$/m);
      } finally {
        await sidecar.stop({ deadlineMs: 1000 });
      }
    });
  });
});
