import { decodeMsgpack, encodeMsgpack } from './codec.ts';
import type { StateDigestVersion } from './state-digest.ts';
import { array, bytes, exactRecord, stateDigestVersion, str, stringTable, timestampMs, uint } from './guards.ts';
import { assertDistinctIds, CATEGORY_PATTERN, encodeGroup, parseGroup, type IndicatorGroup } from './indicator-group.ts';
import { FEED_NAME_PATTERN } from './delta.ts';
import { WireError } from './errors.ts';
import type { LayoutOf } from './hash-layout.ts';
import { LTHASH_BYTES } from '../crypto/lthash.ts';

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
  /**
   * Version 2 snapshots since `stateAccumulator` was added: version 1's
   * SHA-256 over `groups` in id order, checked in one fast pass instead of
   * recomputing LtHash per entry (docs/PROTOCOL.md 8.4). Present together
   * with `stateAccumulator` or not at all.
   */
  readonly entriesDigest?: Uint8Array;
  /** The 2048-byte LtHash16 accumulator whose version 2 digest is `stateDigest`; the replica stores it as is. */
  readonly stateAccumulator?: Uint8Array;
}

const FIELDS = ['feed', 'version', 'createdAt', 'categories', 'groups', 'stateDigest'];
const OPTIONAL_FIELDS = ['stateDigestVersion', 'entriesDigest', 'stateAccumulator'];

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
    ...(snapshot.entriesDigest === undefined || snapshot.stateAccumulator === undefined ? {} : { entriesDigest: snapshot.entriesDigest, stateAccumulator: snapshot.stateAccumulator }),
  });
}

export function decodeSnapshot(payload: Uint8Array, layoutOf: LayoutOf, maxBytes: number): Snapshot {
  return parseSnapshot(decodeMsgpack(payload, maxBytes), layoutOf);
}

export function parseSnapshot(value: unknown, layoutOf: LayoutOf): Snapshot {
  const fields = exactRecord(value, 'snapshot', FIELDS, OPTIONAL_FIELDS);
  const categories = stringTable(fields.categories, 'snapshot.categories', CATEGORY_PATTERN);
  const groups = array(fields.groups, 'snapshot.groups', 64).map((g, i) => parseGroup(g, `snapshot.groups[${i}]`, layoutOf, categories.length));
  assertDistinctIds(groups, 'snapshot');
  const digestVersion = fields.stateDigestVersion === undefined ? 1 : stateDigestVersion(fields.stateDigestVersion, 'snapshot.stateDigestVersion');
  const carried = parseCarriedAccumulator(fields.entriesDigest, fields.stateAccumulator, digestVersion);
  return {
    feed: str(fields.feed, 'snapshot.feed', 63, FEED_NAME_PATTERN),
    version: uint(fields.version, 'snapshot.version'),
    createdAt: timestampMs(fields.createdAt, 'snapshot.createdAt'),
    categories,
    groups,
    stateDigest: bytes(fields.stateDigest, 'snapshot.stateDigest', 32),
    stateDigestVersion: digestVersion,
    ...carried,
  };
}

/** Both fields or neither, and only beside a version 2 digest (an accumulator means nothing to version 1). */
function parseCarriedAccumulator(entriesDigest: unknown, accumulator: unknown, digestVersion: StateDigestVersion): { entriesDigest?: Uint8Array; stateAccumulator?: Uint8Array } {
  if (entriesDigest === undefined && accumulator === undefined) return {};
  if (entriesDigest === undefined || accumulator === undefined) throw new WireError('WIRE_BAD_FIELD', 'snapshot.entriesDigest and snapshot.stateAccumulator come together');
  if (digestVersion !== 2) throw new WireError('WIRE_BAD_FIELD', 'snapshot.stateAccumulator needs stateDigestVersion 2');
  return { entriesDigest: bytes(entriesDigest, 'snapshot.entriesDigest', 32), stateAccumulator: bytes(accumulator, 'snapshot.stateAccumulator', LTHASH_BYTES) };
}
