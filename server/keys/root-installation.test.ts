import { readFileSync, rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../shared/crypto/index.ts';
import { CodedError } from '../../shared/errors.ts';
import { checkSignedWhileValid, KEY_PURPOSES, signRootDocument, verifyArchivedObject, type RootDocument } from '../../shared/trust/index.ts';
import { openSigned, trustedRootFrom } from '../../shared/trust/testing/trusted-root.ts';
import { SEALED_DELTA_PAYLOAD_TYPE as DELTA_PAYLOAD_TYPE, SEALED_SNAPSHOT_PAYLOAD_TYPE as SNAPSHOT_PAYLOAD_TYPE } from '../../shared/seal/index.ts';
import { decodeTimestamp, TIMESTAMP_PAYLOAD_TYPE } from '../../shared/wire/timestamp.ts';
import { openCentre, type Centre } from '../centre.ts';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { localRootKeys } from './local-root-keys.ts';
import { onlineKeyPath, ONLINE_PURPOSES } from './online-keys.ts';
import { installRoot } from './root-installation.ts';
import { proposeRoot, type RootChange } from './root-proposal.ts';
import { changeRootLocally } from './root-rotation.ts';

const bytesOf = async (res: Response): Promise<Uint8Array> => new Uint8Array(await res.arrayBuffer());
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof CodedError ? err.code : String(err);
  }
};

describe('root installation in a running Centre', () => {
  let t: TestCentre;
  beforeEach(() => {
    t = createTestCentre();
  });
  afterEach(() => t.close());

  /** What `hashfeed centre keys ...` does: its own connection to the data folder, the root key at hand. */
  function cli(change: RootChange): ReturnType<typeof changeRootLocally> {
    const other: Centre = openCentre(t.dataDir, t.clock.now, {});
    try {
      return changeRootLocally(other, t.dataDir, change, localRootKeys(t.dataDir, undefined, {}), 'cli', t.clock.now);
    } finally {
      other.close();
    }
  }
  /** The root a provider pinning the Centre's root key trusts now. */
  const clientRoot = async (): Promise<RootDocument> => trustedRootFrom(await bytesOf(await t.request('GET', '/v1/feed/keys', t.tokens.provider)), t.rootVerifierKey);
  const signerOf = (envelope: Uint8Array): string => decodeEnvelope(envelope).signatures[0]?.keyId ?? '';

  describe('when another process revokes the timestamp key', () => {
    it('signs the next timestamp with the fresh key, without a restart, naming the new root version', async () => {
      const old = t.centre.keyring.signerFor(KEY_PURPOSES.timestamp, t.clock.now).keyIdHex;
      expect(cli({ revoke: { key: old, reason: 'host rebuilt', revokedAt: t.clock.now } }).root.document.version).toBe(2);
      // Past the re-signing interval, so that the running app signs it itself.
      t.clock.now += (t.centre.config.timestampIntervalSeconds + 1) * 1000;
      const envelope = await bytesOf(await t.request('GET', '/v1/feed/timestamp', t.tokens.provider));
      expect(signerOf(envelope)).not.toBe(old);
      const root = await clientRoot();
      expect(decodeTimestamp(openSigned(envelope, TIMESTAMP_PAYLOAD_TYPE, root, KEY_PURPOSES.timestamp, t.clock.now)).rootVersion).toBe(2);
      expect(t.centre.keyring.signerFor(KEY_PURPOSES.timestamp, t.clock.now).keyIdHex).not.toBe(old);
    });
  });

  describe('when the process that installs a revocation of the latest snapshot\'s feed key dies before the recovery publication', () => {
    it('publishes it when the Centre next opens its data folder, so that fresh and lagging replicas have a snapshot they accept', async () => {
      await publishIndicators(t, 2);
      const compromised = t.centre.keyring.signerFor(KEY_PURPOSES.feed, t.clock.now).keyIdHex;
      t.clock.now += 60_000;
      // installRoot's first transaction, committed; the process is killed before its publication.
      const other: Centre = openCentre(t.dataDir, t.clock.now, {});
      try {
        const next = proposeRoot(other.keyring.root.document, { revoke: { key: compromised, reason: 'key copied off the host', revokedAt: 0 } }, t.dataDir, t.clock.now, 365);
        other.write(() => other.keyring.roots.install(signRootDocument(next, localRootKeys(t.dataDir, undefined, {})), t.clock.now));
      } finally {
        other.close();
      }
      expect(t.centre.publisher.latestSnapshotSignedWhileValid()).toBe(false);

      const reopened: Centre = openCentre(t.dataDir, t.clock.now, {});
      try {
        expect(reopened.publisher.latestSnapshotSignedWhileValid()).toBe(true);
        expect(reopened.publisher.latestVersion()).toBe(2);
      } finally {
        reopened.close();
      }
    });
  });

  describe('when a feed key is revoked from a time before the latest publication (a compromise)', () => {
    it('publishes a version with nothing staged, whose snapshot a good key signs; later versions use the fresh key', async () => {
      await publishIndicators(t, 2);
      const compromised = t.centre.keyring.signerFor(KEY_PURPOSES.feed, t.clock.now).keyIdHex;
      const revokedAt = t.clock.now + 60_000;
      t.clock.now += 120_000;
      await publishIndicators(t, 1);
      t.clock.now += 60_000;
      const installed = cli({ revoke: { key: compromised, reason: 'key copied off the host', revokedAt } });
      expect(installed.recovery).toMatchObject({ version: 3, adds: 0, removes: 0, active: 3 });

      // What a client pinning the root judges at each object's createdAt (docs/PROTOCOL.md 4.6).
      const root = await clientRoot();
      const judge = (envelope: Uint8Array, type: string, createdAt: number): string | undefined =>
        code(() => checkSignedWhileValid(root, verifyArchivedObject(envelope, type, root, KEY_PURPOSES.feed, envelope.byteLength).signers, KEY_PURPOSES.feed, createdAt));
      const { publisher } = t.centre;
      const at = (version: number): number => publisher.version(version)?.createdAt ?? -1;
      expect(judge(publisher.deltaEnvelope(1) ?? new Uint8Array(), DELTA_PAYLOAD_TYPE, at(1))).toBeUndefined();
      expect(judge(publisher.deltaEnvelope(2) ?? new Uint8Array(), DELTA_PAYLOAD_TYPE, at(2))).toBe('SIGNER_REVOKED');
      expect(judge(publisher.snapshot(3).envelope, SNAPSHOT_PAYLOAD_TYPE, at(3))).toBeUndefined();
      expect(signerOf(publisher.snapshot(3).envelope)).not.toBe(compromised);

      // Once recovered, an empty publication is refused again.
      expect((await t.request('POST', '/v1/publish', t.tokens.operator)).status).toBe(409);
      await publishIndicators(t, 1);
      expect(judge(publisher.deltaEnvelope(4) ?? new Uint8Array(), DELTA_PAYLOAD_TYPE, at(4))).toBeUndefined();
    });

    it('publishes nothing when the revocation dates from after the latest snapshot', async () => {
      await publishIndicators(t, 1);
      const key = t.centre.keyring.signerFor(KEY_PURPOSES.feed, t.clock.now).keyIdHex;
      t.clock.now += 60_000;
      expect(cli({ revoke: { key, reason: 'retired early', revokedAt: t.clock.now } }).recovery).toBeNull();
      expect(t.centre.publisher.latestVersion()).toBe(1);
    });
  });

  describe('when a root would leave the Centre without a usable key for a purpose', () => {
    it('refuses it with KEYRING_NO_SIGNING_KEY and installs nothing', () => {
      const current = t.centre.keyring.root.document;
      const feedKey = current.keys.find((k) => k.purpose === KEY_PURPOSES.feed);
      if (feedKey === undefined) throw new Error('no feed key');
      const envelope = signRootDocument(
        { ...current, version: 2, revoked: [{ verifierKey: feedKey.verifierKey, revokedAt: t.clock.now, reason: 'no replacement' }] },
        localRootKeys(t.dataDir, undefined, {}),
      );
      expect(code(() => installRoot(t.centre, envelope, 'test', t.clock.now))).toBe('KEYRING_NO_SIGNING_KEY');
      expect(t.centre.keyring.roots.latestVersion()).toBe(1);
      expect(t.centre.keyring.root.document.version).toBe(1);
    });
  });

  describe('keys per purpose', () => {
    it('signs each purpose with a key listed for it alone, across rotations', async () => {
      cli({ rotate: ONLINE_PURPOSES });
      cli({ rotate: [KEY_PURPOSES.feed] });
      const root = await clientRoot();
      for (const purpose of ONLINE_PURPOSES) {
        const key = t.centre.keyring.signerFor(purpose, t.clock.now);
        expect(root.keys.filter((k) => k.verifierKey.equals(key.verifier)).map((k) => k.purpose)).toEqual([purpose]);
      }
      const timestamp = await bytesOf(await t.request('GET', '/v1/feed/timestamp', t.tokens.provider));
      expect(code(() => openSigned(timestamp, TIMESTAMP_PAYLOAD_TYPE, root, KEY_PURPOSES.feed, t.clock.now))).toBe('SIGNER_WRONG_PURPOSE');
    });

    it('never signs timestamps with the feed key, even when HASHFEED_TIMESTAMP_KEY holds it', () => {
      const root = t.centre.keyring.root.document;
      const [timestampKey, feedKey] = [KEY_PURPOSES.timestamp, KEY_PURPOSES.feed].map((p) => root.keys.find((k) => k.purpose === p)?.verifierKey);
      if (timestampKey === undefined || feedKey === undefined) throw new Error('keys missing');
      const feedPrivate = readFileSync(onlineKeyPath(t.dataDir, KEY_PURPOSES.feed, feedKey.keyIdHex), 'utf8').trim();
      rmSync(onlineKeyPath(t.dataDir, KEY_PURPOSES.timestamp, timestampKey.keyIdHex));
      let thrown: unknown;
      try {
        openCentre(t.dataDir, t.clock.now, { HASHFEED_TIMESTAMP_KEY: feedPrivate }).close();
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({ code: 'KEYRING_NO_SIGNING_KEY', message: expect.stringContaining("'timestamp'") });
    });
  });
});
