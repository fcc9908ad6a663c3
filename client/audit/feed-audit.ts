import { bytesEqual } from '../../shared/crypto/index.ts';
import { hashLeaf } from '../../shared/merkle/index.ts';
import { checkEpochKeyCommitment, encryptionKeyId, generateEncryptionKeyPair, SealError, unwrapEpochKey } from '../../shared/seal/index.ts';
import { describeRoot, TrustError, walkRootChain, type DescribedRoot, type RootPin, type TrustedRoot } from '../../shared/trust/index.ts';
import { decodeRootList, MAX_ROOT_LIST_LENGTH } from '../../shared/wire/delta-chain.ts';
import { AuditFailure } from './errors.ts';
import { FeedObjectProblem, openDelta, openSnapshot } from './feed-object.ts';
import { isCount, type LogView } from './log-audit.ts';
import { ReplayedState } from './replayed-state.ts';
import type { AuditSource } from './source.ts';
import { HistoryStatistics } from './statistics.ts';
import type { Violations } from './violations.ts';

const MAX_ROOT_VERSIONS = 100_000;

/**
 * The root chain from the pin (PROTOCOL 4.3), every version kept: each is a
 * key change the report lists. Each page is walked on from the last root
 * as it arrives, so a page that does not follow (one served again, say)
 * fails at once rather than piling up.
 */
export async function auditRootChain(source: AuditSource, pin: RootPin): Promise<{ latest: TrustedRoot; chain: readonly DescribedRoot[] }> {
  let latest: TrustedRoot | null = null;
  const chain: DescribedRoot[] = [];
  for (;;) {
    const path = source.mirrored ? '/v1/feed/keys' : `/v1/feed/keys?since=${latest?.document.version ?? 0}`;
    const body = await source.feedObject(path);
    if (body === undefined) throw new AuditFailure('AUDIT_MALFORMED_ANSWER', 'the root chain is not served');
    let page: Uint8Array[];
    try {
      page = decodeRootList(body, body.byteLength);
    } catch (cause) {
      throw new AuditFailure('AUDIT_MALFORMED_ANSWER', 'the root chain does not decode', { cause });
    }
    if (page.length === 0 && latest !== null) break;
    let walked;
    try {
      walked = walkRootChain(pin, latest, page, MAX_ROOT_VERSIONS - chain.length);
    } catch (cause) {
      if (cause instanceof TrustError) throw new AuditFailure('AUDIT_BAD_PIN', `the root chain does not verify from the pin: ${cause.message}`, { cause });
      throw cause;
    }
    chain.push(...walked.walked.map((r) => describeRoot(r.document, r.document.issuedAt)));
    latest = walked.root;
    // A static export serves the whole chain in one file; the Centre pages it.
    if (source.mirrored || page.length > MAX_ROOT_LIST_LENGTH) break;
  }
  return { latest, chain };
}

export interface EpochKeys {
  readonly keys: ReadonlyMap<number, Uint8Array>;
  readonly epochs: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every epoch's key (POST /v1/audit/epoch-keys), wrapped for a key made
 * for this run alone and kept in memory; each checked against the
 * commitment the Centre answers with (the sealed objects carry it too).
 */
export async function fetchEpochKeys(source: AuditSource, violations: Violations): Promise<EpochKeys> {
  const pair = await generateEncryptionKeyPair();
  const answer = await source.postJson('/v1/audit/epoch-keys', { publicKey: Buffer.from(pair.publicKey).toString('base64') });
  if (!isRecord(answer) || typeof answer.feed !== 'string' || typeof answer.provider !== 'string' || !Array.isArray(answer.epochs)) throw new AuditFailure('AUDIT_MALFORMED_ANSWER', 'the epoch keys answer is malformed');
  const recipient = encryptionKeyId(pair.publicKey);
  const keys = new Map<number, Uint8Array>();
  for (const item of answer.epochs) {
    if (!isRecord(item) || !isCount(item.epoch) || typeof item.keyCommitment !== 'string') throw new AuditFailure('AUDIT_MALFORMED_ANSWER', 'an epoch is malformed');
    const epoch = item.epoch;
    if (typeof item.enc !== 'string' || typeof item.wrapped !== 'string') {
      violations.add({ code: 'AUDIT_EPOCH_KEY', message: `the Centre can no longer read the key of epoch ${epoch}` });
      continue;
    }
    try {
      const key = await unwrapEpochKey(pair.privateKey, { feed: answer.feed, provider: answer.provider, recipient, epoch }, { enc: Buffer.from(item.enc, 'base64'), wrapped: Buffer.from(item.wrapped, 'base64') });
      checkEpochKeyCommitment(answer.feed, epoch, key, Buffer.from(item.keyCommitment, 'base64'));
      keys.set(epoch, key);
    } catch (cause) {
      if (!(cause instanceof SealError)) throw cause;
      violations.add({ code: 'AUDIT_EPOCH_KEY', message: `the key of epoch ${epoch} does not open or is not the one committed to (${cause.code})` });
    }
  }
  return { keys, epochs: answer.epochs.length };
}

export interface FeedReplay {
  readonly latestVersion: number;
  /** The last version replayed (and its digest checked); below latestVersion when a version could not be read. */
  readonly replayedTo: number;
  readonly indicators: number;
  readonly statistics: HistoryStatistics;
}

/**
 * Replays every version from 1 (docs/AUDIT.md, "What an audit checks"):
 * each delta verified and opened, checked to be the log's leaf for its
 * version, applied, and its state digest compared with the one recomputed.
 * A version that cannot be read or applied ends the replay (every later
 * digest would be meaningless); the latest snapshot must equal the set.
 */
export async function replayFeed(source: AuditSource, root: TrustedRoot, epochKeys: EpochKeys, log: LogView, violations: Violations): Promise<FeedReplay> {
  const document = root.document;
  const { latestVersion } = log;
  const state = new ReplayedState();
  const statistics = new HistoryStatistics();
  let replayedTo = 0;
  for (let version = 1; version <= latestVersion; version++) {
    const envelope = await source.feedObject(`/v1/feed/deltas/${version}`);
    if (envelope === undefined) {
      violations.add({ code: 'AUDIT_VERSION_MISSING', version, message: `version ${version} is in the log but not served` });
      break;
    }
    const leaf = log.byKey.get(`delta:${version}`);
    if (leaf === undefined || !bytesEqual(leaf.leafHash, hashLeaf(envelope))) {
      violations.add({ code: 'AUDIT_NOT_IN_LOG', version, message: `the delta served for version ${version} is not the log's leaf for it` });
    }
    let delta;
    try {
      delta = (await openDelta(envelope, document, epochKeys.keys)).value;
    } catch (cause) {
      if (!(cause instanceof FeedObjectProblem)) throw cause;
      violations.add({ code: cause.code, version, message: `version ${version}: ${cause.message}` });
      break;
    }
    if (leaf !== undefined && leaf.appendedAt < delta.createdAt) {
      violations.add({ code: 'AUDIT_LOG_TIME_REVERSED', version, message: `version ${version} is logged at ${leaf.appendedAt}, before it was created (${delta.createdAt})` });
    }
    if (delta.feed !== document.feed || delta.version !== version || delta.previous !== version - 1) {
      violations.add({ code: 'AUDIT_DELTA_OUT_OF_ORDER', version, message: `the delta served for version ${version} is version ${delta.version} after ${delta.previous} of '${delta.feed.slice(0, 64)}'` });
      break;
    }
    const { change, problem } = state.apply(delta);
    if (problem !== undefined) {
      violations.add({ code: 'AUDIT_DELTA_MALFORMED', version, message: `version ${version}: ${problem}` });
      break;
    }
    statistics.record(version, delta.createdAt, change);
    if (!bytesEqual(state.digest(delta.stateDigestVersion ?? 1), delta.stateDigest)) {
      violations.add({ code: 'AUDIT_DIGEST_MISMATCH', version, message: `the state digest of version ${version} is not that of the set replayed up to it` });
    }
    replayedTo = version;
  }
  if (replayedTo === latestVersion && latestVersion > 0) await checkLatestSnapshot(source, root, epochKeys, log, state, latestVersion, violations);
  return { latestVersion, replayedTo, indicators: state.size, statistics };
}

async function checkLatestSnapshot(source: AuditSource, root: TrustedRoot, epochKeys: EpochKeys, log: LogView, state: ReplayedState, latestVersion: number, violations: Violations): Promise<void> {
  const envelope = await source.feedObject(source.mirrored ? '/v1/feed/snapshot' : `/v1/feed/snapshot?version=${latestVersion}`);
  if (envelope === undefined) {
    violations.add({ code: 'AUDIT_SNAPSHOT_MISMATCH', version: latestVersion, message: `no snapshot of version ${latestVersion} is served` });
    return;
  }
  let snapshot;
  try {
    snapshot = (await openSnapshot(envelope, root.document, epochKeys.keys)).value;
  } catch (cause) {
    if (!(cause instanceof FeedObjectProblem)) throw cause;
    violations.add({ code: 'AUDIT_SNAPSHOT_MISMATCH', version: latestVersion, message: `the latest snapshot: ${cause.message}` });
    return;
  }
  const leaf = log.byKey.get(`snapshot:${snapshot.version}`);
  if (leaf === undefined || !bytesEqual(leaf.leafHash, hashLeaf(envelope))) {
    violations.add({ code: 'AUDIT_NOT_IN_LOG', version: snapshot.version, message: `the snapshot served for version ${snapshot.version} is not the log's leaf for it` });
  }
  const difference = snapshot.version !== latestVersion ? `it is of version ${snapshot.version}, not ${latestVersion}` : state.differenceFrom(snapshot);
  if (difference !== undefined) {
    violations.add({ code: 'AUDIT_SNAPSHOT_MISMATCH', version: latestVersion, message: `the latest snapshot is not the replayed set: ${difference}` });
  } else if (!bytesEqual(state.digest(snapshot.stateDigestVersion ?? 1), snapshot.stateDigest)) {
    violations.add({ code: 'AUDIT_SNAPSHOT_MISMATCH', version: latestVersion, message: "the latest snapshot's state digest is not the replayed set's" });
  }
}
