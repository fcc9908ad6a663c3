import { chmodSync, cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeEnvelope, generateSigningKey, readPrivateKeyFile } from '../../shared/crypto/index.ts';
import { checkSignedWhileValid, KEY_PURPOSES, verifyArchivedObject } from '../../shared/trust/index.ts';
import { openSigned, trustedRootFrom } from '../../shared/trust/testing/trusted-root.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { encodeRootList } from '../../shared/wire/delta-chain.ts';
import { DELTA_PAYLOAD_TYPE } from '../../shared/wire/delta.ts';
import { decodeTimestamp, TIMESTAMP_PAYLOAD_TYPE } from '../../shared/wire/timestamp.ts';
import { databasePath, openCentre, type Centre } from '../centre.ts';
import { openDatabase } from '../store/database.ts';
import { ROOT_KEY_ENV } from './keyring.ts';

/** A data folder written by the Centre before root documents: key certificates in signing_keys, meta.root_verifier_key, three versions signed by the old key. */
const FIXTURE = join(import.meta.dirname, '../testing/fixtures/centre-schema-2');
/** Inside the fixture's signing-key validity (it was written at 2026-11-01T00:00Z). */
const NOW = Date.UTC(2026, 10, 2);

const dirs = tempDirs();
let dataDir: string;
let oldRootKey: string;
beforeEach(() => {
  dataDir = dirs.make('hf-legacy-root-');
  cpSync(FIXTURE, dataDir, { recursive: true });
  // A checkout does not keep file modes; the Centre refuses private keys readable by others.
  for (const name of readdirSync(join(dataDir, 'keys'))) chmodSync(join(dataDir, 'keys', name), 0o600);
  oldRootKey = readFileSync(join(dataDir, 'keys', 'root.key'), 'utf8').trim();
});
afterEach(() => dirs.removeAll());

const opened: Centre[] = [];
afterEach(() => {
  for (const centre of opened.splice(0)) centre.close();
});
function open(env: NodeJS.ProcessEnv = {}): Centre {
  const centre = openCentre(dataDir, NOW, env);
  opened.push(centre);
  return centre;
}
const pinnedKey = (centre: Centre): string => centre.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'root_verifier_key'").get()?.value ?? '';

describe('a data folder from before root documents (key certificates)', () => {
  describe('when its root key is in place', () => {
    it('migrates on open: root version 1 under the old root key alone, the old signing key listed for feed only, a fresh key per purpose', () => {
      const centre = open();
      const root = centre.keyring.root.document;
      expect(root).toMatchObject({ version: 1, feed: 'eu-centre', rootThreshold: 1 });
      expect(root.rootKeys.map((k) => k.text)).toEqual([pinnedKey(centre)]);
      const certified = centre.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM signing_keys').get()?.n;
      expect(root.keys.filter((k) => k.purpose === KEY_PURPOSES.feed)).toHaveLength((certified ?? 0) + 1);
      expect(root.keys.map((k) => k.purpose).sort()).toEqual(['checkpoint', 'feed', 'feed', 'forwarding', 'provider-list', 'timestamp']);
    });

    it('keeps the old deltas verifiable by a client pinning the old root key, judged at their createdAt', () => {
      const centre = open();
      const root = trustedRootFrom(encodeRootList(centre.keyring.roots.envelopes()), pinnedKey(centre));
      const legacyFeedKey = root.keys.find((k) => k.purpose === KEY_PURPOSES.feed)?.verifierKey.text;
      for (const version of [1, 2, 3]) {
        const envelope = centre.publisher.deltaEnvelope(version) ?? new Uint8Array();
        const { signers } = verifyArchivedObject(envelope, DELTA_PAYLOAD_TYPE, root, KEY_PURPOSES.feed, envelope.byteLength);
        // Signed by the certified key, now listed for 'feed' with its certificate's window.
        expect(signers.map((s) => s.verifierKey.text)).toEqual([legacyFeedKey]);
        expect(() => checkSignedWhileValid(root, signers, KEY_PURPOSES.feed, centre.publisher.version(version)?.createdAt ?? -1)).not.toThrow();
      }
      // Fresh objects are signed by the new keys and name root version 1.
      const timestamp = centre.publisher.refreshTimestamp(NOW);
      expect(decodeTimestamp(openSigned(timestamp, TIMESTAMP_PAYLOAD_TYPE, root, KEY_PURPOSES.timestamp, NOW)).rootVersion).toBe(1);
      const oldSigner = decodeEnvelope(centre.publisher.deltaEnvelope(3) ?? new Uint8Array()).signatures[0]?.keyId;
      expect(centre.keyring.signerFor(KEY_PURPOSES.feed, NOW).keyIdHex).not.toBe(oldSigner);
    });

    it('ends the old signing key\'s window at the migration: its file stays on the host, and what it signs after is refused', () => {
      const centre = open();
      const root = trustedRootFrom(encodeRootList(centre.keyring.roots.envelopes()), pinnedKey(centre));
      const legacy = readPrivateKeyFile(join(dataDir, 'keys', 'signing-1.key'));
      const listed = root.keys.filter((k) => k.verifierKey.equals(legacy.verifier));
      expect(listed.map((k) => k.purpose)).toEqual([KEY_PURPOSES.feed]);
      const code = (at: number): string | undefined => {
        try {
          checkSignedWhileValid(root, listed, KEY_PURPOSES.feed, at);
          return undefined;
        } catch (err) {
          return err instanceof Error && 'code' in err ? String(err.code) : String(err);
        }
      };
      expect(code(NOW - 1)).toBeUndefined();
      expect(code(NOW + 60 * 60_000)).toBe('SIGNER_EXPIRED');
    });

    it('opens without the root key once migrated', () => {
      open().close();
      opened.pop();
      rmSync(join(dataDir, 'keys', 'root.key'));
      expect(open().keyring.root.document.version).toBe(1);
    });
  });

  describe('when its root key is not in place', () => {
    beforeEach(() => rmSync(join(dataDir, 'keys', 'root.key')));

    it('stops with KEYRING_ROOT_REQUIRED and writes no root', () => {
      expect(() => open()).toThrow(expect.objectContaining({ code: 'KEYRING_ROOT_REQUIRED' }));
      const db = openDatabase(databasePath(dataDir));
      try {
        expect(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM root_documents').get()?.n).toBe(0);
      } finally {
        db.close();
      }
      // A later open with the key migrates it.
      const centre = open({ [ROOT_KEY_ENV]: oldRootKey });
      expect(centre.keyring.roots.latestVersion()).toBe(1);
      expect(centre.keyring.root.document.rootKeys.map((k) => k.text)).toEqual([pinnedKey(centre)]);
    });

    it('refuses another root key with KEYRING_WRONG_ROOT_KEY', () => {
      const other = generateSigningKey('hashfeed/eu-centre/root').exportSignerKey();
      expect(() => open({ [ROOT_KEY_ENV]: other })).toThrow(expect.objectContaining({ code: 'KEYRING_WRONG_ROOT_KEY' }));
    });
  });
});
