import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fetch as undiciFetch } from 'undici';
import pino from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { frameOfView } from '../../shared/hashing/image-views.ts';
import { clampTimerMs } from '../../shared/timer.ts';
import { parseVerifierKey, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../../shared/crypto/index.ts';
import { AccessError, AccessRing, loadOrCreateEncryptionKey, registerEncryptionKey, type EncryptionKeyStatus } from '../access/index.ts';
import { DecisionBook, DecisionWebhook, fetchDecisions, WebhookQueue } from '../decisions/index.ts';
import { Matcher } from '../match/matcher.ts';
import { fetchOrders, OrderSet, parseSurfaces, ScanPolicy, REFUSAL_CODES, type ScanDecision } from '../policy/index.ts';
import { loadOrCreateProviderKey, matchFactsOf, registerProviderKey, ReportDeliverer, Reporter, ReportQueue, type ProviderKeyStatus } from '../report/index.ts';
import { openReplicaDatabase, type Db } from '../replica/database.ts';
import { Replica, type AppliedChange } from '../replica/replica.ts';
import { isAlgorithmName } from '../../shared/hashing/registry.ts';
import { SyncError } from '../sync/errors.ts';
import { fetchAccess } from '../sync/fetch-access.ts';
import { HttpFeedSource } from '../sync/feed-source.ts';
import type { FetchLike } from '../net/http.ts';
import { SyncLoop } from '../sync/sync-loop.ts';
import { Syncer, type SyncOutcome } from '../sync/syncer.ts';
import { rootPinOf, TrustedStore } from '../sync/trusted-store/index.ts';
import { createSidecarApp } from './app.ts';
import type { SidecarConfig } from './config.ts';
import { DecodeBudget, DEFAULT_RETRY_AFTER_SECONDS } from './decode-budget.ts';
import { withDecodeBudget } from './decode-weight.ts';
import { healthOf, type Health } from './health.ts';
import { registerKeysUntilDone } from './register-keys.ts';
import { Scanner, type ScanResult } from './scanner.ts';
import { ScanWorkers } from './scan-workers.ts';
import { VideoScanner } from './video-scanner.ts';
import { hashImageViews, isHeavyToHash, type ImageViews, type ImageViewsOptions } from '../../shared/hashing/image-views.ts';

export interface SidecarOptions {
  readonly config: SidecarConfig;
  /** ffmpeg and ffprobe (default: on the PATH); tests point them elsewhere to see a sidecar without them. */
  readonly videoTools?: { readonly ffmpegPath?: string; readonly ffprobePath?: string; readonly tempDir?: string; readonly onChild?: (child: { readonly pid: number; readonly tool: string }) => void };
  readonly fetch?: FetchLike;
  readonly clock?: () => number;
  readonly logger?: pino.Logger;
}

export interface Sidecar {
  readonly config: SidecarConfig;
  readonly app: ReturnType<typeof createSidecarApp>;
  readonly replica: Replica;
  readonly policy: ScanPolicy;
  readonly queue: ReportQueue;
  /** What the Centre decided on this provider's reports, as verified and held. */
  readonly decisions: DecisionBook;
  /** Pixels being decoded at once over all of this sidecar's scans (one sidecar per process in production). */
  readonly decodeBudget: DecodeBudget;
  /** Bytes of scan bodies held at once, taken before a body is read. */
  readonly bodyBudget: DecodeBudget;
  /** Videos being hashed at once (videoScanConcurrency), and those waiting for a slot. */
  readonly videoSlots: DecodeBudget;
  /** The current match index (replaced whole after a snapshot). */
  matcher(): Matcher;
  /** One sync round now: feed, then detection orders. */
  syncOnce(): Promise<SyncOutcome>;
  /** Delivers queued reports now (one round). */
  deliverReports(): Promise<void>;
  /** Fetches the decisions list now (part of every sync round); how many entries were taken. */
  refreshDecisions(): Promise<number>;
  /** Delivers due decisions to the webhook now (one round); how many were delivered (0 without a webhook). */
  deliverDecisions(): Promise<number>;
  /** The report-signing key, as the provider confirms it to the Centre's operator out of band. */
  readonly reportKey: { readonly keyId: string; readonly verifierKey: string };
  /** Registers the report key with the Centre now; it is `pending` until an operator approves it. */
  registerKey(): Promise<{ created: boolean; status: ProviderKeyStatus }>;
  /** This sidecar's encryption key (PROTOCOL 13.5): its ID, as access lists name it. */
  readonly encryptionKey: { readonly keyId: string };
  /** Registers the encryption key with the Centre now, signed by the report key; it is `pending` until that key is approved. */
  registerEncryptionKey(): Promise<{ created: boolean; status: EncryptionKeyStatus }>;
  health(): Health;
  /** Scans a picture (or any file, by its exact hashes) in process, as POST /v1/scan does; video goes through the local API only. */
  scan(surfaceId: string, subject: string, bytes: Uint8Array): Promise<ScanResult & { refused?: { code: string; message: string }; reportId?: string }>;
  /** Starts background sync and report delivery. */
  start(): void;
  /**
   * Stops sync and delivery, then closes the index and the database. A
   * report delivery in flight may finish until `deadlineMs` (default: the
   * config's shutdownDeadlineSeconds); then it is abandoned, and the report
   * stays queued for the next start. A sync round in flight is awaited
   * (its requests carry their own timeouts).
   */
  stop(options?: { readonly deadlineMs?: number }): Promise<void>;
}

/**
 * The provider sidecar, wired: replica, matcher, verified sync, safeguards,
 * reports, local API. `start()` runs sync and delivery in the background;
 * everything also works step by step (syncOnce, deliverReports) for tests
 * and `--once`.
 */
export async function createSidecar(options: SidecarOptions): Promise<Sidecar> {
  const { config } = options;
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? pino({ name: 'hashfeed-sidecar' });
  const fetch: FetchLike = options.fetch ?? (async (url, init) => {
    const res = await undiciFetch(url, init);
    return { status: res.status, headers: res.headers, body: res.body };
  });

  // Owner-only: the folder holds order targets, queued reports and the report key.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700);
  // The sealed feed's key (docs/PROTOCOL.md 13.5), read (or made) before anything is opened: a refused key file stops the start cleanly.
  const encryptionKey = await loadOrCreateEncryptionKey(config.encryptionKeyFile);
  const db: Db = openReplicaDatabase(join(config.dataDir, 'replica.db'));
  const replica = new Replica(db);
  const indexDir = join(config.dataDir, 'index');
  const matcher = await Matcher.open(replica, indexDir);
  const maxClockSkewMs = config.maxClockSkewSeconds * 1000;
  const orders = new OrderSet(db, config.provider, { maxClockSkewMs });
  const policy = new ScanPolicy({ surfaces: parseSurfaces(config.surfaces), orders });
  const key = loadOrCreateProviderKey(config.providerKeyFile);
  const registerKey = async (): Promise<{ created: boolean; status: ProviderKeyStatus }> => {
    const registered = await registerProviderKey({ baseUrl: config.reportTo, token: config.providerToken, fetch, key });
    if (registered.status === 'pending') {
      // docs/SAFEGUARDS.md, "Report keys": the provider confirms this key to the Centre's operator out of band.
      logger.warn({ keyId: key.keyIdHex, verifierKey: key.verifier.text }, 'report key awaits approval by a Centre operator; reports stay queued until then');
    }
    return registered;
  };
  // The epoch keys access lists give this sidecar (docs/PROTOCOL.md 13.4), opened with its encryption key.
  const access = new AccessRing(db, { provider: config.provider, privateKey: encryptionKey.privateKey, publicKey: encryptionKey.publicKey });
  const registerEncryption = async (): Promise<{ created: boolean; status: EncryptionKeyStatus }> => {
    const registered = await registerEncryptionKey({ baseUrl: config.reportTo, token: config.providerToken, fetch, provider: config.provider, publicKey: encryptionKey.publicKey, reportKey: key, now: clock() });
    if (registered.status === 'pending') logger.warn({ keyId: access.recipient, reportKeyId: key.keyIdHex }, 'encryption key awaits the approval of the report key that signed it; no epoch key until then');
    return { created: registered.created, status: registered.status };
  };
  const queue = new ReportQueue(db);
  const decisions = new DecisionBook(db, config.provider, { maxClockSkewMs, webhook: config.decisionWebhook !== undefined });
  const webhookQueue = new WebhookQueue(db);
  const webhook =
    config.decisionWebhook === undefined
      ? undefined
      : new DecisionWebhook({
          config: config.decisionWebhook,
          book: decisions,
          queue: webhookQueue,
          fetch,
          clock,
          backoff: { baseMs: 5000, maxMs: 3_600_000, maxHintMs: config.maxRetryAfterSeconds * 1000 },
          onEvent: (event) => {
            webhookCalls.inc({ outcome: event.outcome });
            logger.info({ reportId: event.reportId, outcome: event.outcome, code: event.error }, 'decision webhook');
          },
        });
  const deliverer = new ReportDeliverer({
    queue,
    baseUrl: config.reportTo,
    token: config.providerToken,
    fetch,
    clock,
    maxRetryAfterMs: config.maxRetryAfterSeconds * 1000,
    deliveredRetentionMs: config.deliveredRetentionDays * 86_400_000,
    onUnknownKey: async () => {
      await registerKey();
    },
    onEvent: (event) => {
      deliveries.inc({ outcome: event.outcome });
      logger.info({ reportId: event.reportId, outcome: event.outcome, code: event.code }, 'report delivery');
    },
  });
  const reporter = new Reporter({ provider: config.provider, key, queue, onQueued: () => deliverer.wake() });
  // Heavy hashing (animations, transparency, large pictures decoded at full size) in worker threads: it would hold the event loop.
  const scanWorkers = config.scanThreads > 0 ? new ScanWorkers(config.scanThreads) : undefined;
  const hashViews = async (bytes: Uint8Array, options: ImageViewsOptions): Promise<ImageViews> =>
    scanWorkers !== undefined && (await isHeavyToHash(bytes, options)) ? scanWorkers.hashViews(bytes, options) : hashImageViews(bytes, options);
  const scanner = new Scanner(() => matcher, replica, config.maxImagePixels, config.maxImageFrames, hashViews);
  const decodeBudget = new DecodeBudget({
    pixels: config.decodeBudgetPixels,
    queueLength: config.decodeQueueLength,
    queueWaitMs: config.decodeQueueWaitMs,
    retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
  });
  const bodyBudget = new DecodeBudget({
    pixels: config.bodyBudgetBytes,
    unit: 'bytes',
    queueLength: config.bodyQueueLength,
    queueWaitMs: config.decodeQueueWaitMs,
    retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
  });
  const videoSlots = new DecodeBudget({
    pixels: config.videoScanConcurrency,
    unit: 'videos',
    queueLength: config.videoQueueLength,
    queueWaitMs: config.videoQueueWaitMs,
    retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
  });
  const videoScanner = new VideoScanner(
    {
      maxBytes: config.maxVideoBytes,
      maxSeconds: config.maxVideoSeconds,
      secondsPerHash: config.videoSecondsPerHash,
      timeoutMs: config.videoTimeoutMs,
      ffmpegPath: options.videoTools?.ffmpegPath,
      ffprobePath: options.videoTools?.ffprobePath,
      tempDir: options.videoTools?.tempDir,
    },
    {
      matcher: () => matcher,
      category: (id) => replica.category(id),
      slots: videoSlots,
      onSecondsHashed: (seconds) => videoSecondsHashed.inc(seconds),
      ...(options.videoTools?.onChild === undefined ? {} : { onChild: options.videoTools.onChild }),
    },
  );
  const scanImage = withDecodeBudget(decodeBudget, { maxPixels: config.maxImagePixels, maxFrames: config.maxImageFrames }, (bytes) => scanner.scanImage(bytes));
  // A mirror gets no credentials: feed objects are verified, not trusted; orders and reports go to reportTo.
  const source = new HttpFeedSource({ baseUrl: config.centre, mode: config.mode, ...(config.mode === 'centre' ? { token: config.providerToken } : {}), fetch });
  const alert = (code: string, message: string): void => logger.warn({ alert: code }, message);
  const witnesses = config.witnesses.map((key) => parseVerifierKey(key, { signatureTypes: [SIGNATURE_TYPE_COSIGNATURE_V1] }));
  const store = new TrustedStore({ replica, pin: rootPinOf(config.rootKeys, config.rootThreshold), feed: config.feed, maxClockSkewMs, alert, access, witnesses, witnessQuorum: config.witnessQuorum });
  // The list an earlier run accepted: its keys were never written down, so it is opened (and judged) again.
  await store.restoreAccessList(clock());
  // Set when the last round met an object sealed under an epoch whose key this sidecar lacks (PROTOCOL 13.6 step 3).
  let lacksEpochKey = false;
  const noAccessReason = (): string | null => access.noAccessReason() ?? (lacksEpochKey ? 'NO_EPOCH_KEY' : null);
  const checkAccess = async (): Promise<string | null> => {
    const now = clock();
    store.checkHeldAccessList(now);
    try {
      // From the Centre (reportTo) with the token, in mirror mode too: a mirror never serves it.
      const update = await fetchAccess({ baseUrl: config.reportTo, token: config.providerToken, fetch, store, now });
      if (update?.changed === true) logger.info({ entitled: update.list.entitled, basis: update.list.basis, reason: update.list.reason, epochs: access.epochs }, 'access list accepted');
    } catch (err) {
      // PROTOCOL 13.4: a failed fetch or a refused list changes nothing held; the round goes on with the keys held.
      if (!(err instanceof AccessError)) throw err;
      accessErrors.inc({ code: err.code });
      logger.warn({ code: err.code }, `access list not taken (${err.message}); keeping the epoch keys held`);
    }
    return access.noAccessReason();
  };
  const syncer = new Syncer({
    checkAccess,
    source,
    replica,
    store,
    clock,
    // Incremental for a delta; for a snapshot the matcher builds aside and swaps.
    onApplied: async (change) => {
      await matcher.apply(change);
      warnOfUnknownAlgorithms(change.adds, logger);
    },
    alert,
  });

  const registry = new Registry();
  const scans = new Counter({ name: 'hashfeed_scans_total', help: 'Scans by outcome', labelNames: ['outcome'], registers: [registry] });
  const matches = new Counter({ name: 'hashfeed_matches_total', help: 'Scans that matched, by surface', labelNames: ['surface'], registers: [registry] });
  const syncErrors = new Counter({ name: 'hashfeed_sync_errors_total', help: 'Failed sync rounds by code', labelNames: ['code'], registers: [registry] });
  // The policy owns the refusal tally; the counter advances by what it grew since the last scrape.
  const refusalsCounted = new Map<string, number>();
  new Counter({
    name: 'hashfeed_scan_refusals_total',
    help: 'Refused scans by code (E2EE or unknown surface, no active order, ...)',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      for (const code of REFUSAL_CODES) {
        const total = policy.refusals.get(code) ?? 0;
        this.inc({ code }, Math.max(0, total - (refusalsCounted.get(code) ?? 0)));
        refusalsCounted.set(code, total);
      }
    },
  });
  const webhookCalls = new Counter({ name: 'hashfeed_decision_webhook_calls_total', help: 'Decision webhook calls by outcome', labelNames: ['outcome'], registers: [registry] });
  const deliveries = new Counter({ name: 'hashfeed_report_deliveries_total', help: 'Report delivery attempts by outcome', labelNames: ['outcome'], registers: [registry] });
  new Gauge({ name: 'hashfeed_replica_version', help: 'Version of the verified replica', registers: [registry], collect() { this.set(replica.state().version); } });
  new Gauge({ name: 'hashfeed_replica_indicators', help: 'Indicators in the replica', registers: [registry], collect() { this.set(matcher.size); } });
  new Gauge({
    name: 'hashfeed_indicators_skipped',
    help: 'Indicators held but not matched: their algorithm is unknown to this sidecar (upgrade it)',
    labelNames: ['algorithm'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { algorithm, indicators } of matcher.skipped()) this.set({ algorithm }, indicators);
    },
  });
  const accessErrors = new Counter({ name: 'hashfeed_access_errors_total', help: 'Access list refreshes not taken, by code (network, refused lists)', labelNames: ['code'], registers: [registry] });
  // Freshness alone (reports say `stale` from it); health adds why this sidecar may have no access.
  const freshness = (): Health => healthOf(replica.state(), clock(), { clockSkewMs: syncer.clockSkewMs, maxClockSkewMs });
  const health = (): Health => healthOf(replica.state(), clock(), { clockSkewMs: syncer.clockSkewMs, maxClockSkewMs }, noAccessReason(), matcher.skipped());
  new Gauge({ name: 'hashfeed_no_access', help: '1 while the access list gives this sidecar no epoch key (health no_access)', registers: [registry], collect() { this.set(noAccessReason() === null ? 0 : 1); } });
  new Gauge({ name: 'hashfeed_epoch_keys', help: 'Epoch keys of the sealed feed held in memory', registers: [registry], collect() { this.set(access.epochs.length); } });
  new Gauge({ name: 'hashfeed_root_version', help: 'Version of the trusted root document (0 before the first round anchors it)', registers: [registry], collect() { this.set(store.rootVersion); } });
  new Gauge({ name: 'hashfeed_sync_lag_seconds', help: 'Seconds since the last successful sync', registers: [registry], collect() { this.set(health().lagSeconds ?? -1); } });
  new Gauge({ name: 'hashfeed_stale', help: '1 when the accepted timestamp has expired or was issued ahead of the local clock', registers: [registry], collect() { this.set(freshness().status === 'stale' ? 1 : 0); } });
  new Gauge({ name: 'hashfeed_clock_skew_seconds', help: "The last verified timestamp's issuedAt minus the local clock (0 before the first)", registers: [registry], collect() { this.set(health().clockSkewSeconds ?? 0); } });
  new Gauge({ name: 'hashfeed_decode_pixels_in_use', help: 'Pixels being decoded now, of decodeBudgetPixels', registers: [registry], collect() { this.set(decodeBudget.inUse); } });
  new Gauge({ name: 'hashfeed_body_bytes_in_use', help: 'Bytes of scan bodies held now, of bodyBudgetBytes', registers: [registry], collect() { this.set(bodyBudget.inUse); } });
  new Gauge({ name: 'hashfeed_scans_waiting', help: 'Scans waiting for room for their body or for the decode budget', registers: [registry], collect() { this.set(bodyBudget.waiting + decodeBudget.waiting); } });
  new Gauge({ name: 'hashfeed_scan_workers_busy', help: 'Animations and transparent pictures being hashed in worker threads, or waiting for one', registers: [registry], collect() { this.set(scanWorkers?.busy ?? 0); } });
  new Gauge({ name: 'hashfeed_video_scans_in_progress', help: 'Videos being hashed now, of videoScanConcurrency', registers: [registry], collect() { this.set(videoSlots.inUse); } });
  new Gauge({ name: 'hashfeed_video_scans_waiting', help: 'Video scans waiting for a slot, of videoQueueLength', registers: [registry], collect() { this.set(videoSlots.waiting); } });
  const videoSecondsHashed = new Counter({ name: 'hashfeed_video_seconds_hashed_total', help: 'Seconds of video hashed (vPDQ), advanced frame by frame: the progress of a long scan', registers: [registry] });
  new Gauge({ name: 'hashfeed_report_queue_depth', help: 'Reports waiting for delivery', registers: [registry], collect() { this.set(queue.counts().pending); } });
  new Gauge({ name: 'hashfeed_decision_webhook_queue', help: 'Decisions waiting for delivery to the webhook', registers: [registry], collect() { this.set(webhookQueue.depth()); } });


  const refreshOrders = async (): Promise<void> => {
    // Orders need a trusted root: when the feed round failed before anchoring one, the root update runs alone.
    if (store.root === null) await syncer.updateRoot();
    store.checkHeldOrderList(orders, clock());
    await fetchOrders({ baseUrl: config.reportTo, token: config.providerToken, fetch, store, orders, now: clock() });
  };

  const refreshDecisions = async (): Promise<number> => {
    if (store.root === null) await syncer.updateRoot();
    const taken = await fetchDecisions({ baseUrl: config.reportTo, token: config.providerToken, fetch, store, book: decisions, clock });
    if (taken > 0) webhook?.wake();
    return taken;
  };

  const syncOnce = async (): Promise<SyncOutcome> => {
    let outcome: SyncOutcome | undefined;
    let failure: unknown;
    try {
      outcome = await syncer.syncOnce();
      lacksEpochKey = false;
    } catch (err) {
      failure = err;
      if (err instanceof SyncError && err.code === 'SYNC_NO_ACCESS') lacksEpochKey = true;
    }
    // Orders are refreshed even when the feed round failed: an order ended early must stop scans.
    try {
      await refreshOrders();
    } catch (err) {
      logger.warn({ code: err instanceof Error && 'code' in err ? String(err.code) : 'UNKNOWN' }, 'order refresh failed');
      failure ??= err;
    }
    // Decisions inform the platform; they gate nothing, so a failure (or a Centre without the route) is logged, never fatal to the round.
    try {
      await refreshDecisions();
    } catch (err) {
      logger.warn({ code: err instanceof Error && 'code' in err ? String(err.code) : 'UNKNOWN' }, 'decisions refresh failed');
    }
    if (failure !== undefined) {
      syncErrors.inc({ code: failure instanceof SyncError ? failure.code : 'OTHER' });
      throw failure;
    }
    if (outcome === undefined) throw new Error('unreachable');
    return outcome;
  };

  const loop = new SyncLoop(
    { syncOnce },
    { intervalMs: config.syncIntervalSeconds * 1000, baseMs: 2000, maxMs: 3_600_000, maxHintMs: config.maxRetryAfterSeconds * 1000 },
    {
      onSuccess: (o) =>
        o.noAccess === undefined
          ? logger.info({ version: o.version, deltas: o.appliedDeltas, snapshot: o.snapshot }, 'synced')
          : logger.warn({ version: o.version, reason: o.noAccess }, 'no access to the sealed feed: nothing synced; serving the replica held'),
      onError: (err, failures, retry) =>
        logger.warn({ code: err instanceof Error && 'code' in err ? String(err.code) : 'UNKNOWN', failures, retryInSeconds: Math.round(retry) }, 'sync failed; serving the last good replica'),
    },
  );

  const report = async (decision: Extract<ScanDecision, { allowed: true }>, result: ScanResult, content: Uint8Array | null, detectedAt: number) => {
    const match = matchFactsOf(result.matches);
    const best = [...result.matches].sort((a, b) => a.distance - b.distance)[0];
    if (match === undefined || best === undefined) throw new Error('report without a match');
    const stale = freshness().status === 'stale';
    matches.inc({ surface: decision.surface.id });
    const { reportId } = await reporter.report({
      order: decision.order,
      surfaceId: decision.surface.id,
      subject: `${decision.subject.kind}:${decision.subject.id}`,
      match,
      content: content ?? new Uint8Array(0),
      frame: frameOfView(best.view),
      ...(result.reportPreview !== undefined ? { preview: result.reportPreview } : {}),
      replicaVersion: replica.state().version,
      stale,
      detectedAt,
    });
    return { reportId, stale };
  };

  const app = createSidecarApp({
    localToken: config.localToken,
    policy,
    clock,
    maxImageBytes: config.maxImageBytes,
    maxBatchBytes: config.maxBatchBytes,
    maxBatchItems: config.maxBatchItems,
    bodyTimeoutMs: config.bodyTimeoutMs,
    bodyBudget,
    scanImage,
    maxVideoBytes: config.maxVideoBytes,
    scanVideo: (body, signal) => videoScanner.scan(body, signal),
    matchHashes: (hashes) => scanner.matchHashes(hashes),
    report,
    decisions: (after, limit) => decisions.after(after, limit),
    health,
    metrics: () => registry.metrics(),
    onScan: (outcome) => scans.inc({ outcome }),
    onUnexpected: (err) => logger.error({ err }, 'unexpected error'),
  });

  const controller = new AbortController();
  let delivering: Promise<void> | undefined;
  let notifying: Promise<void> | undefined;

  return {
    config,
    app,
    replica,
    policy,
    queue,
    decisions,
    decodeBudget,
    bodyBudget,
    videoSlots,
    matcher: () => matcher,
    syncOnce,
    deliverReports: async () => {
      await deliverer.deliverDue();
    },
    refreshDecisions,
    deliverDecisions: async () => (webhook === undefined ? 0 : webhook.deliverDue()),
    reportKey: { keyId: key.keyIdHex, verifierKey: key.verifier.text },
    registerKey,
    encryptionKey: { keyId: access.recipient },
    registerEncryptionKey: registerEncryption,
    health,
    scan: async (surfaceId, subject, bytes) => {
      const decision = policy.decideScan({ surfaceId, subject, now: clock() });
      if (!decision.allowed) return { matches: [], quality: null, lowQuality: false, partial: false, refused: { code: decision.code, message: decision.message } };
      const result = await scanImage(bytes);
      // Decided again after hashing, as the local API does (docs/SAFEGUARDS.md).
      const detectedAt = clock();
      const confirmed = policy.recheck(decision, detectedAt);
      if (!confirmed.allowed) return { matches: [], quality: null, lowQuality: false, partial: false, refused: { code: confirmed.code, message: confirmed.message } };
      if (result.matches.length === 0) return result;
      return { ...result, ...(await report(confirmed, result, bytes, detectedAt)) };
    },
    start: () => {
      loop.start();
      // The report key first: it signs the encryption key's registration (PROTOCOL 13.5).
      void registerKeysUntilDone({
        registerReportKey: registerKey,
        registerEncryptionKey: registerEncryption,
        backoff: { baseMs: 5000, maxMs: 3_600_000, maxHintMs: config.maxRetryAfterSeconds * 1000 },
        signal: controller.signal,
        onFailure: (err, retryInMs) =>
          logger.warn({ code: err instanceof Error && 'code' in err ? String(err.code) : 'UNKNOWN', retryInSeconds: Math.round(retryInMs / 1000) }, `key registration failed (${err instanceof Error ? err.message : ''}); retrying`),
        onOlderCentre: () => logger.info('the Centre takes no encryption keys (a Centre from before the sealed feed): its feed is plaintext'),
      });
      delivering = deliverer.run(controller.signal);
      // Its own loop: a slow or failing platform endpoint never holds up scanning, sync or report delivery.
      notifying = webhook?.run(controller.signal);
    },
    stop: async (stopOptions) => {
      controller.abort();
      const deadline = setTimeout(() => deliverer.halt(), clampTimerMs(stopOptions?.deadlineMs ?? config.shutdownDeadlineSeconds * 1000));
      try {
        await loop.stop();
        await delivering;
        await notifying;
      } finally {
        clearTimeout(deadline);
      }
      // The next start loads this file instead of rebuilding the index from the replica.
      matcher.save(indexDir, replica.state());
      matcher.close();
      db.close();
      await scanWorkers?.close();
    },
  };
}

/**
 * Says, once per applied change, which algorithms of it this sidecar holds
 * without matching (docs/SIDECAR.md, "Unknown algorithms"): the sync went
 * on, and /metrics and /healthz keep the counts.
 */
function warnOfUnknownAlgorithms(adds: AppliedChange['adds'], logger: pino.Logger): void {
  const unknown = new Map<string, number>();
  for (const e of adds) if (!isAlgorithmName(e.algorithm)) unknown.set(e.algorithm, (unknown.get(e.algorithm) ?? 0) + 1);
  for (const [algorithm, indicators] of unknown) {
    logger.warn({ algorithm, indicators }, 'indicators of an algorithm this sidecar does not know: stored (the state digest verifies), not matched; upgrade the sidecar');
  }
}
