import { feedHashLayout } from '../../shared/wire/hash-layout.ts';
import fc from 'fast-check';
import { getAlgorithm } from '../../shared/hashing/registry.ts';
import { HashFormatError } from '../../shared/hashing/algorithm.ts';
import { epochKeyCommitment, generateEpochKey } from '../../shared/seal/epoch-key.ts';
import { SealError } from '../../shared/seal/errors.ts';
import { decodeSealedObject, sealFeedObject, type SealedKind, type SealedObject } from '../../shared/seal/sealed-object.ts';
import { decodeDelta, encodeDelta, type Delta } from '../../shared/wire/delta.ts';
import { decodeDeltaChain, decodeRootList, encodeDeltaChain, encodeRootList } from '../../shared/wire/delta-chain.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { groupsFromEntries } from '../../shared/wire/indicator-group.ts';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from '../../shared/wire/snapshot.ts';
import { decodeTimestamp, encodeTimestamp } from '../../shared/wire/timestamp.ts';
import { encodeMsgpack } from '../../shared/wire/codec.ts';
import { hostileMsgpack } from '../mutate.ts';
import { defineTarget, type RegisteredTarget } from '../target.ts';

/** The feed objects a sidecar fetches: deltas, snapshots, timestamps, the unsigned chain and root-list wrappers, sealed objects. */

// As the sidecar reads them (client/sync/trusted-store): hash lengths from the registry, caps at the payload's own size.
// vpdq: a frame list of 1 to 3 frames; x-future: an algorithm the reader does not know, kept opaquely (PROTOCOL 8.1).
const hashLength = (algorithm: string, fill: number): number => (algorithm === 'x-future' ? 1 + (fill % 40) : algorithm === 'vpdq' ? 32 * (1 + (fill % 3)) : getAlgorithm(algorithm).bits / 8);
const MAX_FEED_OBJECT_BYTES = 1 << 20;

const bytesOf = (length: number, fill: number): Uint8Array => new Uint8Array(length).fill(fill);

const entries = fc.uniqueArray(
  fc.record({
    id: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    algorithm: fc.constantFrom('pdq', 'md5', 'sha256', 'phash64', 'dhash64', 'vpdq', 'x-future'),
    fill: fc.nat({ max: 255 }),
    category: fc.constantFrom('A1', 'A2', 'B1'),
  }),
  { maxLength: 12, selector: (entry) => entry.id },
).map((list) =>
  groupsFromEntries(
    list.sort((a, b) => a.id - b.id).map((entry) => ({ id: entry.id, algorithm: entry.algorithm, hash: bytesOf(hashLength(entry.algorithm, entry.fill), entry.fill), category: entry.category })),
  ),
);

const deltas: fc.Arbitrary<Delta> = fc
  .record({ table: entries, version: fc.integer({ min: 1, max: 1_000_000 }), removeCount: fc.nat({ max: 4 }), createdAt: fc.integer({ min: 0, max: 4_102_444_800_000 }) })
  .map(({ table, version, removeCount, createdAt }) => {
    const used = new Set(table.groups.flatMap((group) => [...group.ids]));
    const removals = Array.from({ length: 8 }, (_, i) => 4_000_000_000 + i).filter((id) => !used.has(id)).slice(0, removeCount);
    return {
      feed: 'eu-centre',
      version,
      previous: version - 1,
      createdAt,
      categories: table.categories,
      adds: table.groups,
      removes: { ids: Uint32Array.from(removals), reasons: Uint8Array.from(removals.map((_, i) => i % 2)) },
      reasonCodes: ['FALSE_POSITIVE', 'WITHDRAWN'],
      stateDigest: bytesOf(32, 7),
    };
  });

const snapshots: fc.Arbitrary<Snapshot> = fc.record({ table: entries, version: fc.integer({ min: 1, max: 1_000_000 }), v2: fc.boolean() }).map(({ table, version, v2 }) => ({
  feed: 'eu-centre',
  version,
  createdAt: 1_790_000_000_000,
  categories: table.categories,
  groups: table.groups,
  stateDigest: bytesOf(32, 9),
  ...(v2 ? { stateDigestVersion: 2 as const, entriesDigest: bytesOf(32, 3), stateAccumulator: bytesOf(2048, 1) } : {}),
}));

export const delta = defineTarget({
  name: 'delta',
  decoder: 'shared/wire/delta.ts decodeDelta',
  input: hostileMsgpack(deltas.map(encodeDelta)),
  decode: (payload: Uint8Array) => decodeDelta(payload, feedHashLayout, MAX_FEED_OBJECT_BYTES),
  encode: encodeDelta,
  refusals: [WireError, HashFormatError],
});

export const snapshot = defineTarget({
  name: 'snapshot',
  decoder: 'shared/wire/snapshot.ts decodeSnapshot',
  input: hostileMsgpack(snapshots.map(encodeSnapshot)),
  decode: (payload: Uint8Array) => decodeSnapshot(payload, feedHashLayout, MAX_FEED_OBJECT_BYTES),
  encode: encodeSnapshot,
  refusals: [WireError, HashFormatError],
});

export const timestamp = defineTarget({
  name: 'timestamp',
  decoder: 'shared/wire/timestamp.ts decodeTimestamp',
  input: hostileMsgpack(
    fc
      .record({ version: fc.nat(), logSize: fc.nat(), issuedAt: fc.integer({ min: 0, max: 4_000_000_000_000 }), lifetime: fc.integer({ min: 1, max: 86_400_000 }), rootVersion: fc.integer({ min: 1, max: 1000 }) })
      .map((t) => encodeTimestamp({ feed: 'eu-centre', version: t.version, logSize: t.logSize, logRoot: bytesOf(32, 5), issuedAt: t.issuedAt, expires: t.issuedAt + t.lifetime, rootVersion: t.rootVersion })),
  ),
  decode: decodeTimestamp,
  encode: encodeTimestamp,
  refusals: [WireError],
});

export const deltaChain = defineTarget({
  name: 'delta-chain',
  decoder: 'shared/wire/delta-chain.ts decodeDeltaChain',
  input: hostileMsgpack(
    fc
      .record({ envelopes: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 4 }), latest: fc.nat(), next: fc.option(fc.nat()), snapshot: fc.option(fc.nat()), minimumWaitSeconds: fc.nat({ max: 86_400 }) })
      .map(encodeDeltaChain),
  ),
  decode: (body: Uint8Array) => decodeDeltaChain(body, MAX_FEED_OBJECT_BYTES),
  encode: encodeDeltaChain,
  refusals: [WireError],
});

export const rootList = defineTarget({
  name: 'root-list',
  decoder: 'shared/wire/delta-chain.ts decodeRootList',
  input: hostileMsgpack(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 4 }).map(encodeRootList)),
  decode: (body: Uint8Array) => decodeRootList(body, MAX_FEED_OBJECT_BYTES),
  encode: encodeRootList,
  refusals: [WireError],
});

const epochKey = generateEpochKey();
const sealed = (kind: SealedKind) =>
  fc.record({ version: fc.integer({ min: 1, max: 1_000_000 }), epoch: fc.integer({ min: 1, max: 100 }), inner: fc.uint8Array({ maxLength: 64 }) }).map(({ version, epoch, inner }) =>
    sealFeedObject(
      kind,
      { feed: 'eu-centre', version, ...(kind === 'delta' ? { previous: version - 1 } : {}), createdAt: 1_790_000_000_000, epoch, keyCommitment: epochKeyCommitment('eu-centre', epoch, epochKey) },
      epochKey,
      inner,
    ),
  );

/** The sealed payload as signed: the header fields in their wire order, nonce and ciphertext as they came. */
const encodeSealed = (object: SealedObject): Uint8Array =>
  encodeMsgpack({
    feed: object.feed,
    version: object.version,
    ...(object.previous === undefined ? {} : { previous: object.previous }),
    createdAt: object.createdAt,
    epoch: object.epoch,
    keyCommitment: object.keyCommitment,
    nonce: object.nonce,
    ciphertext: object.ciphertext,
  });

export const sealedDelta = defineTarget({
  name: 'sealed-delta',
  decoder: "shared/seal/sealed-object.ts decodeSealedObject('delta')",
  input: hostileMsgpack(sealed('delta')),
  decode: (payload: Uint8Array) => decodeSealedObject('delta', payload, MAX_FEED_OBJECT_BYTES),
  encode: encodeSealed,
  refusals: [WireError, SealError],
});

export const sealedSnapshot = defineTarget({
  name: 'sealed-snapshot',
  decoder: "shared/seal/sealed-object.ts decodeSealedObject('snapshot')",
  input: hostileMsgpack(sealed('snapshot')),
  decode: (payload: Uint8Array) => decodeSealedObject('snapshot', payload, MAX_FEED_OBJECT_BYTES),
  encode: encodeSealed,
  refusals: [WireError, SealError],
});

export const FEED_TARGETS: readonly RegisteredTarget[] = [delta, snapshot, timestamp, deltaChain, rootList, sealedDelta, sealedSnapshot];
