import { decodeMsgpack, encodeMsgpack } from './codec.ts';
import { WireError } from './errors.ts';
import { bytes, exactRecord, str, timestampMs, uint } from './guards.ts';
import { FEED_NAME_PATTERN } from './delta.ts';

export const TIMESTAMP_PAYLOAD_TYPE = 'hashfeed/timestamp/v1';

/**
 * The freshness statement, re-signed on a schedule: the latest version, the
 * log checkpoint that includes it, and when this statement stops being
 * believable. A client holding an expired one knows the feed is frozen
 * (TUF's timestamp role; docs/PROTOCOL.md, "Timestamp").
 */
export interface FeedTimestamp {
  readonly feed: string;
  readonly version: number;
  readonly logSize: number;
  readonly logRoot: Uint8Array;
  readonly issuedAt: number;
  readonly expires: number;
  /**
   * The latest root document's version when this was signed (PROTOCOL 4.3):
   * a client that could not fetch that root (a mirror or a proxy withholds a
   * rotation or a revocation) refuses the round instead of trusting old keys.
   */
  readonly rootVersion: number;
}

const FIELDS = ['feed', 'version', 'logSize', 'logRoot', 'issuedAt', 'expires', 'rootVersion'];

export function encodeTimestamp(t: FeedTimestamp): Uint8Array {
  return encodeMsgpack({ feed: t.feed, version: t.version, logSize: t.logSize, logRoot: t.logRoot, issuedAt: t.issuedAt, expires: t.expires, rootVersion: t.rootVersion });
}

export function decodeTimestamp(payload: Uint8Array): FeedTimestamp {
  const fields = exactRecord(decodeMsgpack(payload, 4096), 'timestamp', FIELDS);
  const issuedAt = timestampMs(fields.issuedAt, 'timestamp.issuedAt');
  const expires = timestampMs(fields.expires, 'timestamp.expires');
  if (expires <= issuedAt) throw new WireError('WIRE_BAD_FIELD', 'timestamp.expires must be after timestamp.issuedAt');
  return {
    feed: str(fields.feed, 'timestamp.feed', 63, FEED_NAME_PATTERN),
    version: uint(fields.version, 'timestamp.version'),
    logSize: uint(fields.logSize, 'timestamp.logSize', Number.MAX_SAFE_INTEGER),
    logRoot: bytes(fields.logRoot, 'timestamp.logRoot', 32),
    issuedAt,
    expires,
    rootVersion: uint(fields.rootVersion, 'timestamp.rootVersion', Number.MAX_SAFE_INTEGER),
  };
}
