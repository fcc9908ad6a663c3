import { decodeMsgpack, encodeMsgpack } from './codec.ts';
import type { StateDigestVersion } from './state-digest.ts';
import { array, bytes, exactRecord, stateDigestVersion, str, stringTable, timestampMs, uint } from './guards.ts';
import { assertDistinctIds, CATEGORY_PATTERN, encodeGroup, parseGroup, type IndicatorGroup } from './indicator-group.ts';
import { FEED_NAME_PATTERN } from './delta.ts';

export const SNAPSHOT_PAYLOAD_TYPE = 'hashfeed/snapshot/v1';

/** The whole active set at one version (docs/PROTOCOL.md, "Snapshot"). */
export interface Snapshot {
  readonly feed: string;
  readonly version: number;
  readonly createdAt: number;
  readonly categories: readonly string[];
  readonly groups: readonly IndicatorGroup[];
  readonly stateDigest: Uint8Array;
  /** Which definition `stateDigest` follows (docs/PROTOCOL.md 8.4); absent on the wire means 1. */
  readonly stateDigestVersion?: StateDigestVersion;
}

const FIELDS = ['feed', 'version', 'createdAt', 'categories', 'groups', 'stateDigest'];
const OPTIONAL_FIELDS = ['stateDigestVersion'];

export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  return encodeMsgpack({
    feed: snapshot.feed,
    version: snapshot.version,
    createdAt: snapshot.createdAt,
    categories: snapshot.categories,
    groups: snapshot.groups.map(encodeGroup),
    stateDigest: snapshot.stateDigest,
    // Written only for version 2 and later, so that a version 1 object encodes as it always did.
    ...((snapshot.stateDigestVersion ?? 1) === 1 ? {} : { stateDigestVersion: snapshot.stateDigestVersion }),
  });
}

export function decodeSnapshot(payload: Uint8Array, hashLength: (algorithm: string) => number, maxBytes: number): Snapshot {
  return parseSnapshot(decodeMsgpack(payload, maxBytes), hashLength);
}

export function parseSnapshot(value: unknown, hashLength: (algorithm: string) => number): Snapshot {
  const fields = exactRecord(value, 'snapshot', FIELDS, OPTIONAL_FIELDS);
  const categories = stringTable(fields.categories, 'snapshot.categories', CATEGORY_PATTERN);
  const groups = array(fields.groups, 'snapshot.groups', 64).map((g, i) => parseGroup(g, `snapshot.groups[${i}]`, hashLength, categories.length));
  assertDistinctIds(groups, 'snapshot');
  return {
    feed: str(fields.feed, 'snapshot.feed', 63, FEED_NAME_PATTERN),
    version: uint(fields.version, 'snapshot.version'),
    createdAt: timestampMs(fields.createdAt, 'snapshot.createdAt'),
    categories,
    groups,
    stateDigest: bytes(fields.stateDigest, 'snapshot.stateDigest', 32),
    stateDigestVersion: fields.stateDigestVersion === undefined ? 1 : stateDigestVersion(fields.stateDigestVersion, 'snapshot.stateDigestVersion'),
  };
}
