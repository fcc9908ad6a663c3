import { bytesEqual } from '../../shared/crypto/index.ts';
import { CodedError } from '../../shared/errors.ts';
import { rootFromLeafHashes } from '../../shared/merkle/index.ts';
import { KEY_PURPOSES, verifyFreshObject, type RootDocument } from '../../shared/trust/index.ts';
import { decodeTimestamp, TIMESTAMP_PAYLOAD_TYPE, type FeedTimestamp } from '../../shared/wire/timestamp.ts';
import type { LogView } from './log-audit.ts';
import type { AuditSource } from './source.ts';
import type { Violations } from './violations.ts';

/**
 * The Centre's signed timestamp (PROTOCOL 8.5), fetched before the
 * checkpoint: whatever it names, the checkpoint fetched after it must
 * reach. Without it a Centre could show the auditor an old checkpoint,
 * and every version after it would go unaudited.
 */
export async function fetchTimestamp(source: AuditSource, root: RootDocument, now: number, violations: Violations): Promise<FeedTimestamp | undefined> {
  const envelope = await source.centreObject('/v1/feed/timestamp');
  if (envelope === undefined) {
    violations.add({ code: 'AUDIT_CHECKPOINT_STALE', message: 'the Centre serves no timestamp, so nothing shows the checkpoint is current' });
    return undefined;
  }
  let timestamp: FeedTimestamp;
  try {
    timestamp = decodeTimestamp(verifyFreshObject(envelope, TIMESTAMP_PAYLOAD_TYPE, root, KEY_PURPOSES.timestamp, now, envelope.byteLength).payload);
  } catch (cause) {
    if (!(cause instanceof CodedError)) throw cause;
    violations.add({ code: 'AUDIT_CHECKPOINT_STALE', message: `the timestamp does not verify under a timestamp key of root ${root.version} (${cause.code})` });
    return undefined;
  }
  if (timestamp.feed !== root.feed || timestamp.expires <= now) {
    violations.add({ code: 'AUDIT_CHECKPOINT_STALE', message: `the timestamp is not current (it expired at ${timestamp.expires}), so nothing shows the checkpoint is` });
    return undefined;
  }
  return timestamp;
}

/** What the timestamp names, against the checkpoint and root chain audited. */
export function checkTimestamp(timestamp: FeedTimestamp, log: LogView, root: RootDocument, violations: Violations): void {
  if (timestamp.logSize > log.head.size) {
    violations.add({ code: 'AUDIT_CHECKPOINT_STALE', message: `the checkpoint audited has ${log.head.size} leaves; the Centre's timestamp names a log of ${timestamp.logSize}` });
  } else if (log.leaves.length === log.head.size && !bytesEqual(rootFromLeafHashes(log.leaves.slice(0, timestamp.logSize).map((leaf) => leaf.leafHash)), timestamp.logRoot)) {
    // Same leaves, other root: the timestamp (shown to whoever syncs) names another history than the one audited.
    violations.add({ code: 'AUDIT_LOG_REWRITTEN', message: `the Centre's timestamp names a tree of ${timestamp.logSize} leaves that is not the first ${timestamp.logSize} of the log audited` });
  }
  if (timestamp.rootVersion > root.version) {
    violations.add({ code: 'AUDIT_ROOT_ROLLBACK', message: `the root chain ends at version ${root.version}; the Centre's timestamp names root ${timestamp.rootVersion}` });
  }
}
