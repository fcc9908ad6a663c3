import { decodeMsgpack, encodeMsgpack } from './codec.ts';
import type { StateDigestVersion } from './state-digest.ts';
import { WireError } from './errors.ts';
import type { LayoutOf } from './hash-layout.ts';
import { array, bytes, exactRecord, stateDigestVersion, str, stringTable, timestampMs, uint } from './guards.ts';
import { assertDistinctIds, CATEGORY_PATTERN, encodeGroup, parseGroup, REASON_PATTERN, type IndicatorGroup } from './indicator-group.ts';

export const DELTA_PAYLOAD_TYPE = 'hashfeed/delta/v1';
export const FEED_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export interface Removals {
  /** Strictly ascending. */
  readonly ids: Uint32Array;
  /** Index into Delta.reasonCodes, one per id. */
  readonly reasons: Uint8Array;
}

/**
 * One published version: what changed since `previous` (= version - 1), and
 * the digest of the whole active set after applying it (docs/PROTOCOL.md,
 * "Delta").
 */
export interface Delta {
  readonly feed: string;
  readonly version: number;
  readonly previous: number;
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number;
  readonly categories: readonly string[];
  readonly adds: readonly IndicatorGroup[];
  readonly removes: Removals;
  readonly reasonCodes: readonly string[];
  readonly stateDigest: Uint8Array;
  /** Which definition `stateDigest` follows (docs/PROTOCOL.md 8.4); absent on the wire means 1. */
  readonly stateDigestVersion?: StateDigestVersion;
}

const FIELDS = ['feed', 'version', 'previous', 'createdAt', 'categories', 'adds', 'removes', 'reasonCodes', 'stateDigest'];
const OPTIONAL_FIELDS = ['stateDigestVersion'];

export function encodeDelta(delta: Delta): Uint8Array {
  const removeIds = new Uint8Array(delta.removes.ids.length * 4);
  const view = new DataView(removeIds.buffer);
  delta.removes.ids.forEach((id, i) => view.setUint32(i * 4, id, false));
  return encodeMsgpack({
    feed: delta.feed,
    version: delta.version,
    previous: delta.previous,
    createdAt: delta.createdAt,
    categories: delta.categories,
    adds: delta.adds.map(encodeGroup),
    removes: { ids: removeIds, reasons: delta.removes.reasons },
    reasonCodes: delta.reasonCodes,
    stateDigest: delta.stateDigest,
    // Written only for version 2 and later, so that a version 1 object encodes as it always did.
    ...((delta.stateDigestVersion ?? 1) === 1 ? {} : { stateDigestVersion: delta.stateDigestVersion }),
  });
}

/** Decodes a delta payload whose signature has already been verified. */
export function decodeDelta(payload: Uint8Array, layoutOf: LayoutOf, maxBytes: number): Delta {
  return parseDelta(decodeMsgpack(payload, maxBytes), layoutOf);
}

export function parseDelta(value: unknown, layoutOf: LayoutOf): Delta {
  const fields = exactRecord(value, 'delta', FIELDS, OPTIONAL_FIELDS);
  const version = uint(fields.version, 'delta.version');
  const previous = uint(fields.previous, 'delta.previous');
  if (version !== previous + 1) throw new WireError('WIRE_BAD_FIELD', `delta.version ${version} does not follow delta.previous ${previous}`);
  const categories = stringTable(fields.categories, 'delta.categories', CATEGORY_PATTERN);
  const reasonCodes = stringTable(fields.reasonCodes, 'delta.reasonCodes', REASON_PATTERN);
  const adds = array(fields.adds, 'delta.adds', 64).map((g, i) => parseGroup(g, `delta.adds[${i}]`, layoutOf, categories.length));
  const removes = parseRemovals(fields.removes, reasonCodes.length);
  assertDistinctIds([...adds, { algorithm: '', ids: removes.ids, hashes: new Uint8Array(0), categories: new Uint8Array(0) }], 'delta');
  return {
    feed: str(fields.feed, 'delta.feed', 63, FEED_NAME_PATTERN),
    version,
    previous,
    createdAt: timestampMs(fields.createdAt, 'delta.createdAt'),
    categories,
    adds,
    removes,
    reasonCodes,
    stateDigest: bytes(fields.stateDigest, 'delta.stateDigest', 32),
    stateDigestVersion: fields.stateDigestVersion === undefined ? 1 : stateDigestVersion(fields.stateDigestVersion, 'delta.stateDigestVersion'),
  };
}

function parseRemovals(value: unknown, reasonCount: number): Removals {
  const fields = exactRecord(value, 'delta.removes', ['ids', 'reasons']);
  const idBytes = bytes(fields.ids, 'delta.removes.ids');
  if (idBytes.byteLength % 4 !== 0) throw new WireError('WIRE_BAD_FIELD', 'delta.removes.ids is not a whole number of uint32');
  const n = idBytes.byteLength / 4;
  const reasons = bytes(fields.reasons, 'delta.removes.reasons', n);
  const view = new DataView(idBytes.buffer, idBytes.byteOffset, idBytes.byteLength);
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const id = view.getUint32(i * 4, false);
    if (i > 0 && id <= (ids[i - 1] ?? 0)) throw new WireError('WIRE_BAD_FIELD', `delta.removes.ids must be strictly ascending (index ${i})`);
    if ((reasons[i] ?? 0) >= reasonCount) throw new WireError('WIRE_BAD_FIELD', `delta.removes.reasons[${i}] is outside the reason table`);
    ids[i] = id;
  }
  return { ids, reasons };
}
