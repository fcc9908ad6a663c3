import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeEnvelope,
  generateSigningKey,
  issueKeyCertificate,
  loadSigningKey,
  parseVerifierKey,
  verifyCertificateSignature,
  writePrivateKeyFile,
  type SigningKey,
  type VerifierKey,
} from '../../shared/crypto/index.ts';
import { CodedError } from '../../shared/errors.ts';
import type { Db } from '../store/database.ts';

export type KeyringCode = 'KEYRING_NO_SIGNING_KEY' | 'KEYRING_NOT_INITIALISED' | 'KEYRING_ALREADY_INITIALISED';
export class KeyringError extends CodedError<KeyringCode> {}

/** The purpose every feed object (envelopes, checkpoints, timestamps, orders) is signed for. */
export const FEED_SIGNING_PURPOSE = 'feed-signing';
const DAY_MS = 86_400_000;
const CLOCK_SKEW_MS = 10 * 60_000;

/** Environment variables that may hold private keys instead of files. */
export const ROOT_KEY_ENV = 'HASHFEED_ROOT_KEY';
export const SIGNING_KEY_ENV = 'HASHFEED_SIGNING_KEY';

export const rootKeyName = (feed: string): string => `hashfeed/${feed}/root`;
const signingKeyName = (feed: string, serial: number): string => `hashfeed/${feed}/signing/${serial}`;
const keysDir = (dataDir: string): string => join(dataDir, 'keys');
export const rootKeyPath = (dataDir: string): string => join(keysDir(dataDir), 'root.key');
const signingKeyPath = (dataDir: string, serial: number): string => join(keysDir(dataDir), `signing-${serial}.key`);

type CertRow = { id: number; verifier_key: string; certificate: Buffer; not_before: number; not_after: number };

/**
 * The Centre's keys. The root key only certifies signing keys (init and
 * rotate, run by an administrator who holds it); the running service needs
 * only the current signing key, so the root can live offline. Clients pin
 * the root's verifier key and learn signing keys from the certificates.
 */
export class Keyring {
  readonly signingKey: SigningKey;
  readonly rootVerifier: VerifierKey;
  readonly #db: Db;

  constructor(db: Db, signingKey: SigningKey, rootVerifier: VerifierKey) {
    this.#db = db;
    this.signingKey = signingKey;
    this.rootVerifier = rootVerifier;
  }

  /** Every certificate ever issued (encoded envelopes), oldest first: old envelopes stay verifiable. */
  certificates(): Uint8Array[] {
    return this.#db.prepare<[], CertRow>('SELECT * FROM signing_keys ORDER BY id').all().map((r) => new Uint8Array(r.certificate));
  }

  /**
   * Loads the newest certified signing key whose private half is present
   * (env HASHFEED_SIGNING_KEY, else <data>/keys/signing-<serial>.key) and
   * whose certificate is valid at `now`.
   */
  static load(db: Db, dataDir: string, now: number, env: NodeJS.ProcessEnv = process.env): Keyring {
    const rows = db.prepare<[], CertRow>('SELECT * FROM signing_keys ORDER BY id DESC').all();
    if (rows.length === 0) throw new KeyringError('KEYRING_NOT_INITIALISED', 'no signing key is certified yet: run `hashfeed centre init`');
    const rootText = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'root_verifier_key'").get()?.value;
    if (rootText === undefined) throw new KeyringError('KEYRING_NOT_INITIALISED', 'the root verifier key is not recorded');
    const fromEnv = (env[SIGNING_KEY_ENV] ?? '').trim() !== '';
    for (const row of rows) {
      const cert = verifyCertificateSignature(decodeEnvelope(row.certificate), rootText);
      if (now < cert.notBefore || now >= cert.notAfter) continue;
      const path = signingKeyPath(dataDir, cert.serial);
      if (!fromEnv && !existsSync(path)) continue;
      const key = loadSigningKey(fromEnv ? { envVariable: SIGNING_KEY_ENV, env } : { path });
      if (!key.verifier.equals(cert.verifierKey)) continue;
      return new Keyring(db, key, parseVerifierKey(rootText));
    }
    throw new KeyringError('KEYRING_NO_SIGNING_KEY', 'no signing key with a currently valid certificate is available: run `hashfeed centre keys rotate`');
  }
}

/**
 * Creates the root key and a first certified signing key. The root's private
 * key goes to <data>/keys/root.key (0600) for the administrator to move
 * offline; returns the root verifier key string that clients pin.
 */
export function initKeys(db: Db, dataDir: string, feed: string, now: number, validityDays: number): { rootVerifierKey: string } {
  if (db.prepare("SELECT 1 FROM meta WHERE key = 'root_verifier_key'").get() !== undefined) {
    throw new KeyringError('KEYRING_ALREADY_INITIALISED', 'this Centre already has a root key');
  }
  mkdirSync(keysDir(dataDir), { recursive: true, mode: 0o700 });
  const root = generateSigningKey(rootKeyName(feed));
  writePrivateKeyFile(rootKeyPath(dataDir), root);
  db.transaction(() => {
    db.prepare("INSERT INTO meta (key, value) VALUES ('root_verifier_key', ?)").run(root.verifier.text);
    certifyNewSigningKey(db, dataDir, feed, root, now, validityDays);
  }).immediate();
  return { rootVerifierKey: root.verifier.text };
}

/**
 * Rotation: the root certifies a fresh signing key. Earlier certificates stay
 * published, so clients verify old envelopes with old keys and new ones with
 * the new key; no client needs anything but the pinned root.
 */
export function rotateSigningKey(db: Db, dataDir: string, feed: string, root: SigningKey, now: number, validityDays: number): { verifierKey: string; serial: number } {
  const recorded = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'root_verifier_key'").get()?.value;
  if (recorded === undefined) throw new KeyringError('KEYRING_NOT_INITIALISED', 'run `hashfeed centre init` first');
  if (recorded !== root.verifier.text) throw new KeyringError('KEYRING_NO_SIGNING_KEY', 'the given root key is not this Centre\'s root');
  return db.transaction(() => certifyNewSigningKey(db, dataDir, feed, root, now, validityDays)).immediate();
}

function certifyNewSigningKey(db: Db, dataDir: string, feed: string, root: SigningKey, now: number, validityDays: number): { verifierKey: string; serial: number } {
  const serial = (db.prepare<[], { n: number | null }>('SELECT max(id) AS n FROM signing_keys').get()?.n ?? 0) + 1;
  const key = generateSigningKey(signingKeyName(feed, serial));
  const notAfter = now + validityDays * DAY_MS;
  // Valid from a little before now, so that a client whose clock runs behind accepts the new key at once.
  const notBefore = now - CLOCK_SKEW_MS;
  const certificate = issueKeyCertificate(root, { verifierKey: key.verifier, purpose: FEED_SIGNING_PURPOSE, notBefore, notAfter, serial });
  // Key file first: a crash after it leaves an unused key, never a certificate without its key.
  writePrivateKeyFile(signingKeyPath(dataDir, serial), key);
  db.prepare('INSERT INTO signing_keys (id, verifier_key, certificate, not_before, not_after, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    serial,
    key.verifier.text,
    certificate,
    notBefore,
    notAfter,
    now,
  );
  return { verifierKey: key.verifier.text, serial };
}
