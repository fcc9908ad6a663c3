import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessLogStore } from './access/access-log.ts';
import { EncryptionKeyStore } from './access/encryption-keys.ts';
import { EntitlementEngine } from './access/entitlement.ts';
import { EpochSchedule } from './access/epoch-schedule.ts';
import { EpochStore } from './access/epoch-store.ts';
import type { EpochWrapKey } from './access/epoch-wrap-key.ts';
import { WrapService } from './access/wrap-service.ts';
import { parseCentreConfig, type CentreConfig } from './config.ts';
import { Keyring } from './keys/keyring.ts';
import { OrderCommitments } from './log/order-commitments.ts';
import { TransparencyLog } from './log/transparency-log.ts';
import { WitnessCosignatures } from './log/witness-cosignatures.ts';
import { formatCheckpoint } from '../shared/note/index.ts';
import { KEY_PURPOSES } from '../shared/trust/index.ts';
import { Publisher } from './publish/publisher.ts';
import { AccountStore } from './store/accounts.ts';
import { SignInCodeStore } from './store/sign-in-codes.ts';
import { AuditLog } from './store/audit.ts';
import { openDatabase, type Db } from './store/database.ts';
import { storeErrorFrom } from './store/errors.ts';
import { GroupCommit } from './store/group-commit.ts';
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
  /** One-time console sign-in codes (docs/CONSOLE.md). */
  readonly signInCodes: SignInCodeStore;
  readonly indicators: IndicatorStore;
  readonly orders: OrderStore;
  /** What the published feed held when: reports are checked against it. */
  readonly feedHistory: FeedHistory;
  readonly reportRefusals: ReportRefusalStore;
  readonly audit: AuditLog;
  readonly log: TransparencyLog;
  /** Witnesses' cosignatures of the log's checkpoints (docs/PROTOCOL.md 7). */
  readonly cosignatures: WitnessCosignatures;
  readonly keyring: Keyring;
  readonly publisher: Publisher;
  /** Each order's registration and early end, committed to in the log (docs/PROTOCOL.md 10.4). */
  readonly orderCommitments: OrderCommitments;
  /** The sealed feed (docs/PROTOCOL.md 13): epochs and their keys, who is entitled, encryption keys, wraps, the access log. */
  readonly epochs: EpochStore;
  readonly entitlement: EntitlementEngine;
  readonly encryptionKeys: EncryptionKeyStore;
  readonly accessLog: AccessLogStore;
  readonly wraps: WrapService;

  constructor(db: Db, config: CentreConfig, keyring: Keyring, wrapKey: EpochWrapKey, onError: (err: unknown) => void = (err) => console.error(err)) {
    this.db = db;
    this.config = config;
    this.keyring = keyring;
    this.accounts = new AccountStore(db);
    this.signInCodes = new SignInCodeStore(db);
    this.indicators = new IndicatorStore(db);
    this.orders = new OrderStore(db);
    this.feedHistory = new FeedHistory(db);
    this.reportRefusals = new ReportRefusalStore(db);
    this.audit = new AuditLog(db);
    this.log = new TransparencyLog(db, config.feed);
    this.cosignatures = new WitnessCosignatures(db, config.witnesses);
    this.epochs = new EpochStore(db, config.feed, wrapKey);
    this.entitlement = new EntitlementEngine(db, config.accessPolicy);
    this.encryptionKeys = new EncryptionKeyStore(db);
    this.accessLog = new AccessLogStore(db);
    const schedule = new EpochSchedule({ epochs: this.epochs, entitlement: this.entitlement, accessLog: this.accessLog, accounts: this.accounts });
    this.publisher = new Publisher({ db, config, keyring, log: this.log, audit: this.audit, schedule, epochs: this.epochs });
    this.orderCommitments = new OrderCommitments({
      db,
      log: this.log,
      orders: this.orders,
      audit: this.audit,
      sealLog: (now) => this.publisher.refreshTimestamp(now),
    });
    this.wraps = new WrapService({
      db,
      feed: config.feed,
      epochs: this.epochs,
      entitlement: this.entitlement,
      keys: this.encryptionKeys,
      accessLog: this.accessLog,
      write: (fn) => this.write(fn),
      onError,
    });
  }

  /**
   * Runs `fn` in an immediate write transaction, mapping SQLite constraint
   * errors to store codes. A rolled-back write may have appended a log leaf
   * (an order commitment): the tree's cache forgets it.
   */
  write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      this.log.discardCache();
      throw storeErrorFrom(err) ?? err;
    }
  }

  readonly #together = new GroupCommit({
    transaction: (fn) => this.write(fn),
    savepoint: (fn) => {
      try {
        return this.db.transaction(fn)();
      } catch (err) {
        this.log.discardCache();
        throw storeErrorFrom(err) ?? err;
      }
    },
  });

  /**
   * As write, for a write many callers make at once (report intake): the
   * writes queued in the same turn share one transaction and its one
   * fsync, each in its own savepoint (store/group-commit.ts). Resolves
   * once committed.
   */
  writeTogether<T>(fn: () => T): Promise<T> {
    return this.#together.run(fn);
  }

  /**
   * The checkpoint of the log's current size, signed by the current
   * checkpoint key (recorded first if the log grew since the last one):
   * `note` as the log signs it, `body` its text (what witnesses cosign),
   * `served` the note with every configured witness's cosignature of that
   * body appended (GET /v1/log/checkpoint, the export).
   */
  signedCheckpoint(now: number): { size: number; rootHash: Uint8Array; note: string; body: string; served: string } {
    const { log } = this;
    const sign = (): ReturnType<typeof log.checkpoint> => log.checkpoint(this.keyring.signerFor(KEY_PURPOSES.checkpoint, now), now);
    const checkpoint = log.latestCheckpoint()?.size === log.size() ? sign() : this.write(sign);
    const body = formatCheckpoint({ origin: log.origin, size: checkpoint.size, rootHash: checkpoint.rootHash, extensions: [] });
    return { ...checkpoint, body, served: this.cosignatures.withCosignatures(checkpoint.note, checkpoint.size, body) };
  }

  close(): void {
    this.wraps.stop();
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
    const keyring = Keyring.load(db, dataDir, config.feed, now, config.signingKeyValidityDays, env);
    const centre = new Centre(db, config, keyring, EpochStore.openWrapKey(db, dataDir, env, new AuditLog(db), now));
    // A folder from before snapshots were made at publication gets its latest one now, once.
    centre.publisher.keepSnapshots(now);
    // A root that revoked the latest snapshot's feed key is followed by a publication (docs/PROTOCOL.md 4.7); if the
    // process that installed it died first, that publication is made here, or fresh and lagging replicas find no snapshot.
    // Likewise a folder whose latest version is plaintext (from before sealing), or whose current epoch key is unreadable
    // (the key-wrapping key was lost), publishes one empty sealed version now (PROTOCOL 13.2 rules 1 and 4, 13.7).
    if (!centre.publisher.latestSnapshotSignedWhileValid() || centre.publisher.sealingDueOnOpen()) centre.publisher.publish('centre', now);
    // Orders registered before order commitments get theirs now, once (docs/PROTOCOL.md 10.4).
    centre.orderCommitments.backfill(now);
    return centre;
  } catch (err) {
    db.close();
    throw err;
  }
}
