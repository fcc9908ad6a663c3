import { existsSync, mkdirSync } from 'node:fs';
import { CodedError } from '../shared/errors.ts';
import { Centre, configPath, databasePath, readCentreConfig, writeCentreConfig } from './centre.ts';
import { parseCentreConfig, type CentreConfig } from './config.ts';
import { initKeys, Keyring } from './keys/keyring.ts';
import { EpochStore } from './access/epoch-store.ts';
import { AuditLog } from './store/audit.ts';
import { openDatabase } from './store/database.ts';

export interface InitResult {
  readonly dataDir: string;
  /** The first admin token: shown once, stored hashed. */
  readonly adminToken: string;
  /** What clients pin (C2SP verifier key string): the first root key; with one root key, the only one. */
  readonly rootVerifierKey: string;
  /** Every root key, and how many must sign a new root version (a sidecar pins these as `rootKeys` and `rootThreshold`). */
  readonly rootVerifierKeys: readonly string[];
  readonly rootThreshold: number;
  /** The first root key's private file: move it offline after init. */
  readonly rootKeyFile: string;
  /** Every root key's private file, one per holder. */
  readonly rootKeyFiles: readonly string[];
  readonly feed: string;
}

/**
 * `hashfeed centre init`: config, database, root and signing keys, and the
 * first admin account. Refuses a folder that already holds a Centre.
 */
export function initCentre(dataDir: string, now: number, overrides: Partial<CentreConfig> = {}, root: { readonly keyCount?: number; readonly threshold?: number } = {}): InitResult {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (existsSync(databasePath(dataDir))) {
    const db = openDatabase(databasePath(dataDir));
    const initialised = db.prepare("SELECT 1 FROM meta WHERE key = 'root_verifier_key'").get() !== undefined;
    db.close();
    if (initialised) throw new InitError(dataDir);
  }
  // An existing centre.json (an operator's own settings) wins over defaults.
  const config = existsSync(configPath(dataDir)) ? readCentreConfig(dataDir) : parseCentreConfig(overrides);
  if (!existsSync(configPath(dataDir))) writeCentreConfig(dataDir, config);
  const db = openDatabase(databasePath(dataDir));
  try {
    const keys = initKeys(db, dataDir, config.feed, now, {
      validityDays: config.signingKeyValidityDays,
      ...(root.keyCount === undefined ? {} : { rootKeyCount: root.keyCount }),
      ...(root.threshold === undefined ? {} : { rootThreshold: root.threshold }),
    });
    const rootVerifierKey = keys.rootVerifierKeys[0] ?? '';
    const centre = new Centre(db, config, Keyring.load(db, dataDir, config.feed, now, config.signingKeyValidityDays, {}), EpochStore.openWrapKey(db, dataDir, {}, new AuditLog(db), now));
    const adminToken = centre.write(() => {
      const { account } = centre.accounts.ensure('admin', 'admin', now);
      const { token, tokenId } = centre.accounts.issueToken(account.id, 'created by centre init', now);
      centre.audit.record(now, 'centre-init', 'centre.init', config.feed, { rootVerifierKeys: keys.rootVerifierKeys, rootThreshold: keys.rootThreshold, adminTokenId: tokenId });
      return token;
    });
    return {
      dataDir,
      adminToken,
      rootVerifierKey,
      rootVerifierKeys: keys.rootVerifierKeys,
      rootThreshold: keys.rootThreshold,
      rootKeyFile: keys.rootKeyFiles[0] ?? '',
      rootKeyFiles: keys.rootKeyFiles,
      feed: config.feed,
    };
  } finally {
    db.close();
  }
}

export class InitError extends CodedError<'CENTRE_ALREADY_INITIALISED'> {
  constructor(dataDir: string) {
    super('CENTRE_ALREADY_INITIALISED', `${dataDir} already holds an initialised Centre`);
  }
}
