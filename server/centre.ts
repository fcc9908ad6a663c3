import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCentreConfig, type CentreConfig } from './config.ts';
import { Keyring } from './keys/keyring.ts';
import { TransparencyLog } from './log/transparency-log.ts';
import { Publisher } from './publish/publisher.ts';
import { AccountStore } from './store/accounts.ts';
import { AuditLog } from './store/audit.ts';
import { openDatabase, type Db } from './store/database.ts';
import { storeErrorFrom } from './store/errors.ts';
import { FeedHistory } from './store/feed-history.ts';
import { IndicatorStore } from './store/indicators.ts';
import { OrderStore } from './store/orders.ts';
import { ReportRefusalStore } from './store/report-refusals.ts';

/**
 * The Centre's parts wired together over one database: the composition root
 * that createApp and the CLI share. Routes call the stores and the publisher
 * through it; `write` is the one way to run a write transaction.
 */
export class Centre {
  readonly db: Db;
  readonly config: CentreConfig;
  readonly accounts: AccountStore;
  readonly indicators: IndicatorStore;
  readonly orders: OrderStore;
  /** What the published feed held when: reports are checked against it. */
  readonly feedHistory: FeedHistory;
  readonly reportRefusals: ReportRefusalStore;
  readonly audit: AuditLog;
  readonly log: TransparencyLog;
  readonly keyring: Keyring;
  readonly publisher: Publisher;

  constructor(db: Db, config: CentreConfig, keyring: Keyring) {
    this.db = db;
    this.config = config;
    this.keyring = keyring;
    this.accounts = new AccountStore(db);
    this.indicators = new IndicatorStore(db);
    this.orders = new OrderStore(db);
    this.feedHistory = new FeedHistory(db);
    this.reportRefusals = new ReportRefusalStore(db);
    this.audit = new AuditLog(db);
    this.log = new TransparencyLog(db, config.feed);
    this.publisher = new Publisher({ db, config, keyring, log: this.log, audit: this.audit });
  }

  /** Runs `fn` in an immediate write transaction, mapping SQLite constraint errors to store codes. */
  write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      throw storeErrorFrom(err) ?? err;
    }
  }

  close(): void {
    this.db.close();
  }
}

export const databasePath = (dataDir: string): string => join(dataDir, 'centre.db');
export const configPath = (dataDir: string): string => join(dataDir, 'centre.json');

export function readCentreConfig(dataDir: string): CentreConfig {
  const path = configPath(dataDir);
  if (!existsSync(path)) return parseCentreConfig({});
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
  return parseCentreConfig(value);
}

export function writeCentreConfig(dataDir: string, config: CentreConfig): void {
  writeFileSync(configPath(dataDir), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 });
}

/** Opens an initialised Centre from its data folder (config, database, signing key). */
export function openCentre(dataDir: string, now: number, env: NodeJS.ProcessEnv = process.env): Centre {
  const config = readCentreConfig(dataDir);
  const db = openDatabase(databasePath(dataDir));
  try {
    const centre = new Centre(db, config, Keyring.load(db, dataDir, config.feed, now, config.signingKeyValidityDays, env));
    // A folder from before snapshots were made at publication gets its latest one now, once.
    centre.publisher.keepSnapshots(now);
    // A root that revoked the latest snapshot's feed key is followed by a publication (docs/PROTOCOL.md 4.7); if the
    // process that installed it died first, that publication is made here, or fresh and lagging replicas find no snapshot.
    if (!centre.publisher.latestSnapshotSignedWhileValid()) centre.publisher.publish('centre', now);
    return centre;
  } catch (err) {
    db.close();
    throw err;
  }
}
