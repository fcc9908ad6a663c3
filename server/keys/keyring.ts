import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKey, writePrivateKeyFile, type SigningKey } from '../../shared/crypto/index.ts';
import { CodedError } from '../../shared/errors.ts';
import { signerProblem, signRootDocument, type DelegatedKey, type KeyPurpose, type RootDocument, type TrustedRoot } from '../../shared/trust/index.ts';
import type { Db } from '../store/database.ts';
import { migrateLegacyRoot } from './legacy-root.ts';
import { createOnlineKeys, keysDir, loadOnlineKey, ONLINE_PURPOSES } from './online-keys.ts';
import { RootStore } from './root-store.ts';

export type KeyringCode = 'KEYRING_NO_SIGNING_KEY' | 'KEYRING_NOT_INITIALISED' | 'KEYRING_ALREADY_INITIALISED' | 'KEYRING_ROOT_REQUIRED' | 'KEYRING_WRONG_ROOT_KEY';
export class KeyringError extends CodedError<KeyringCode> {}

/** Environment variable that may hold the (single) root key instead of a file, for `centre keys` commands. */
export const ROOT_KEY_ENV = 'HASHFEED_ROOT_KEY';

/** Root key names: `hashfeed/<feed>/root` for a single root key (what clients derive the feed name from), `.../root-<i>` for a set. */
export const rootKeyName = (feed: string, index: number, count: number): string => (count === 1 ? `hashfeed/${feed}/root` : `hashfeed/${feed}/root-${index}`);
export const rootKeyPath = (dataDir: string, index = 1, count = 1): string => join(keysDir(dataDir), count === 1 ? 'root.key' : `root-${index}.key`);

export interface InitKeysOptions {
  readonly validityDays: number;
  /** Root keys to create (n of k-of-n); default 1. */
  readonly rootKeyCount?: number;
  /** How many of them must sign each new root version; default 1. */
  readonly rootThreshold?: number;
}

export interface InitKeysResult {
  /** What clients pin: the root keys' verifier key strings. */
  readonly rootVerifierKeys: readonly string[];
  readonly rootThreshold: number;
  /** The root keys' private files: move them offline, to different holders. */
  readonly rootKeyFiles: readonly string[];
}

/**
 * The Centre's keys (docs/PROTOCOL.md 4): the root chain, and one online key
 * per purpose taken from the current root. Root keys only sign root
 * documents, offline; the running service needs only the online keys. The
 * root is re-read whenever a newer version is installed (a rotation or a
 * revocation from the CLI takes effect in a running Centre at its next
 * signature), and a key that expires or is revoked is replaced by the next
 * usable one for its purpose.
 */
export class Keyring {
  readonly roots: RootStore;
  readonly #dataDir: string;
  readonly #env: NodeJS.ProcessEnv;
  #root: TrustedRoot;
  readonly #signers = new Map<string, { key: SigningKey; listed: DelegatedKey }>();

  private constructor(roots: RootStore, root: TrustedRoot, dataDir: string, env: NodeJS.ProcessEnv) {
    this.roots = roots;
    this.#root = root;
    this.#dataDir = dataDir;
    this.#env = env;
  }

  /**
   * Opens the keyring of an initialised Centre and checks that every purpose
   * has a usable key now. A data folder from before root documents is
   * migrated first (that needs its root key once: KEYRING_ROOT_REQUIRED).
   */
  static load(db: Db, dataDir: string, feed: string, now: number, validityDays: number, env: NodeJS.ProcessEnv = process.env): Keyring {
    const roots = new RootStore(db);
    let root = roots.latest();
    if (root === undefined) {
      if (db.prepare("SELECT 1 FROM meta WHERE key = 'root_verifier_key'").get() === undefined) {
        throw new KeyringError('KEYRING_NOT_INITIALISED', 'no root document yet: run `hashfeed centre init`');
      }
      root = db.transaction(() => migrateLegacyRoot(db, roots, dataDir, feed, now, validityDays, env)).immediate();
    }
    const keyring = new Keyring(roots, root, dataDir, env);
    for (const purpose of ONLINE_PURPOSES) keyring.signerFor(purpose, now);
    return keyring;
  }

  /** The current root (re-read when a newer version was installed). */
  get root(): TrustedRoot {
    if (this.roots.latestVersion() !== this.#root.document.version) {
      const latest = this.roots.latest();
      if (latest !== undefined) this.#root = latest;
      this.#signers.clear();
    }
    return this.#root;
  }

  /**
   * The key to sign `purpose` with at `now`: the newest listed key for that
   * purpose that is valid and unrevoked now and whose private half is here
   * (file or HASHFEED_<PURPOSE>_KEY). KEYRING_NO_SIGNING_KEY when none is.
   */
  signerFor(purpose: KeyPurpose, now: number): SigningKey {
    const root = this.root.document;
    const held = this.#signers.get(purpose);
    if (held !== undefined && signerProblem(root, held.listed, purpose, now) === null) return held.key;
    const candidates = root.keys.filter((k) => signerProblem(root, k, purpose, now) === null).sort((a, b) => b.notBefore - a.notBefore);
    for (const listed of candidates) {
      const key = loadOnlineKey(this.#dataDir, listed, this.#env);
      if (key === undefined) continue;
      this.#signers.set(purpose, { key, listed });
      return key;
    }
    throw new KeyringError('KEYRING_NO_SIGNING_KEY', `root ${root.version} lists no usable '${purpose}' key whose private half is here: run \`hashfeed centre keys rotate\``);
  }
}

/**
 * Creates the root key set, one online key per purpose, and root version 1
 * signed by every root key. The root keys' private halves go to
 * <data>/keys (0600) for the administrator to move offline.
 */
export function initKeys(db: Db, dataDir: string, feed: string, now: number, options: InitKeysOptions): InitKeysResult {
  const count = options.rootKeyCount ?? 1;
  const threshold = options.rootThreshold ?? 1;
  if (!Number.isSafeInteger(count) || count < 1 || count > 8) throw new RangeError('a root has 1 to 8 keys');
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > count) throw new RangeError(`the root threshold must be from 1 to ${count}`);
  if (db.prepare("SELECT 1 FROM meta WHERE key = 'root_verifier_key'").get() !== undefined) {
    throw new KeyringError('KEYRING_ALREADY_INITIALISED', 'this Centre already has a root');
  }
  mkdirSync(keysDir(dataDir), { recursive: true, mode: 0o700 });
  const rootKeys = Array.from({ length: count }, (_, i) => generateSigningKey(rootKeyName(feed, i + 1, count)));
  const rootKeyFiles = rootKeys.map((key, i) => {
    const path = rootKeyPath(dataDir, i + 1, count);
    writePrivateKeyFile(path, key);
    return path;
  });
  const document: RootDocument = {
    feed,
    version: 1,
    issuedAt: now,
    rootKeys: rootKeys.map((k) => k.verifier),
    rootThreshold: threshold,
    keys: createOnlineKeys(dataDir, feed, ONLINE_PURPOSES, now, options.validityDays),
    revoked: [],
  };
  db.transaction(() => {
    db.prepare("INSERT INTO meta (key, value) VALUES ('root_verifier_key', ?)").run(rootKeys[0]?.verifier.text ?? '');
    new RootStore(db).install(signRootDocument(document, rootKeys), now);
  }).immediate();
  return { rootVerifierKeys: rootKeys.map((k) => k.verifier.text), rootThreshold: threshold, rootKeyFiles };
}
