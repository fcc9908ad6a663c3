import fc from 'fast-check';
import { generateSigningKey } from '../../shared/crypto/signing-key.ts';
import { SIGNATURE_TYPE_COSIGNATURE_V1 } from '../../shared/crypto/key-id.ts';
import { HashFormatError } from '../../shared/hashing/algorithm.ts';
import { ALGORITHMS, getAlgorithm } from '../../shared/hashing/registry.ts';
import { JsonNestingError, JsonNestingGuard } from '../../shared/json-nesting.ts';
import { formatCheckpoint, parseCheckpoint, type Checkpoint } from '../../shared/note/checkpoint.ts';
import { decodeTimestampedSignature, encodeTimestampedSignature } from '../../shared/note/cosignature.ts';
import { NoteError } from '../../shared/note/errors.ts';
import { formatNote, parseNote } from '../../shared/note/note.ts';
import { cosignCheckpoint, signCheckpoint } from '../../shared/note/signed-checkpoint.ts';
import { WitnessError } from '../../server/witness/errors.ts';
import { formatAddCheckpoint, parseAddCheckpoint } from '../../server/witness/request.ts';
import { hostileText, hostileTextBytes, mutatedBytes, randomBytes } from '../mutate.ts';
import { defineTarget, type RegisteredTarget } from '../target.ts';

/** Line-based texts and small strings: signed notes, checkpoints, cosignatures, witness requests, hex hashes, JSON nesting. */

const logKey = generateSigningKey('hashfeed/fuzz');
const witnessKey = generateSigningKey('witness.example/w1', { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 });

const checkpoints: fc.Arbitrary<Checkpoint> = fc.record({
  origin: fc.constant('hashfeed/fuzz'),
  size: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)),
  rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  extensions: fc.array(fc.stringMatching(/^[a-z0-9 ]{1,20}$/), { maxLength: 2 }),
});

const signedCheckpoints = fc
  .tuple(checkpoints, fc.boolean(), fc.nat({ max: 2 ** 40 }))
  .map(([checkpoint, cosigned, time]) => (cosigned ? cosignCheckpoint(signCheckpoint(checkpoint, logKey), witnessKey, time) : signCheckpoint(checkpoint, logKey)));

export const note = defineTarget({
  name: 'signed-note',
  decoder: 'shared/note/note.ts parseNote',
  input: hostileTextBytes(signedCheckpoints),
  decode: (bytes: Uint8Array) => parseNote(bytes),
  encode: (parsed) => new TextEncoder().encode(formatNote(parsed)),
  refusals: [NoteError],
});

export const checkpoint = defineTarget({
  name: 'checkpoint',
  decoder: 'shared/note/checkpoint.ts parseCheckpoint',
  input: hostileText(checkpoints.map(formatCheckpoint)),
  decode: parseCheckpoint,
  encode: formatCheckpoint,
  refusals: [NoteError],
});

export const cosignature = defineTarget({
  name: 'cosignature',
  decoder: 'shared/note/cosignature.ts decodeTimestampedSignature',
  input: fc.oneof(
    mutatedBytes(fc.tuple(fc.nat({ max: 2 ** 40 }), fc.uint8Array({ minLength: 64, maxLength: 64 })).map(([time, signature]) => encodeTimestampedSignature(time, signature))),
    fc.uint8Array({ minLength: 72, maxLength: 72 }),
    randomBytes,
  ),
  decode: decodeTimestampedSignature,
  // null (not a cosignature) encodes as no bytes, which decode to null again.
  encode: (value) => (value === null ? new Uint8Array(0) : encodeTimestampedSignature(value.timestamp, value.signature)),
  refusals: [NoteError],
});

export const witnessRequest = defineTarget({
  name: 'witness-request',
  decoder: 'server/witness/request.ts parseAddCheckpoint',
  input: hostileTextBytes(
    fc
      .record({ oldSize: fc.nat(), proof: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 6 }), checkpoint: signedCheckpoints })
      .map(formatAddCheckpoint),
  ),
  decode: parseAddCheckpoint,
  encode: (request) => new TextEncoder().encode(formatAddCheckpoint(request)),
  refusals: [WitnessError],
});

const hexDigits = (digits: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${digits}}$`));

export const hexHash = defineTarget({
  name: 'hex-hash',
  decoder: 'shared/hashing/registry.ts getAlgorithm(name).parse',
  input: fc.oneof(
    ...ALGORITHMS.map((algorithm) => fc.record({ algorithm: fc.constant<unknown>(algorithm.name), hex: fc.oneof(hexDigits(algorithm.bits / 4), fc.constantFrom(...algorithm.examples)) })),
    ...ALGORITHMS.map((algorithm) => fc.record({ algorithm: fc.constant<unknown>(algorithm.name), hex: hostileText(fc.constantFrom<string>(...algorithm.examples)) })),
    fc.record({ algorithm: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom<unknown>('PDQ', 'sha-256', '__proto__', 'toString', null, 1)), hex: fc.string({ maxLength: 80 }) }),
    fc.record({ algorithm: fc.constantFrom<unknown>(...ALGORITHMS.map((a) => a.name)), hex: fc.oneof(fc.anything({ maxDepth: 1 }), fc.constantFrom<unknown>(null, 0, ['0'], new Uint8Array(32))) }),
  ),
  decode: ({ algorithm, hex }: { algorithm: unknown; hex: unknown }) => {
    const found = getAlgorithm(algorithm);
    return { algorithm: found.name, bytes: found.parse(hex) };
  },
  encode: ({ algorithm, bytes }) => ({ algorithm, hex: getAlgorithm(algorithm).format(bytes) }),
  refusals: [HashFormatError],
});

const DEPTH_LIMIT = 64;
const nestedJson = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)),
  fc.record({ depth: fc.nat({ max: 200 }), open: fc.constantFrom('[', '{"a":'), inner: fc.constantFrom('1', '"[{"', '"\\""', '') }).map(({ depth, open, inner }) =>
    `${open.repeat(depth)}${inner}${(open === '[' ? ']' : '}').repeat(depth)}`,
  ),
);

export const jsonNesting = defineTarget({
  name: 'json-nesting',
  decoder: 'shared/json-nesting.ts JsonNestingGuard',
  // The body arrives in chunks: the cut points are part of the input, since the guard carries string and escape state across them.
  input: fc.tuple(hostileTextBytes(nestedJson), fc.array(fc.nat({ max: 4096 }), { maxLength: 4 })),
  decode: ([bytes, cuts]: [Uint8Array, number[]]) => {
    const guard = new JsonNestingGuard(DEPTH_LIMIT);
    let from = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      const to = Math.min(cut, bytes.length);
      guard.push(bytes.subarray(from, Math.max(from, to)));
      from = Math.max(from, to);
    }
    guard.push(bytes.subarray(from));
    guard.end();
    return true;
  },
  refusals: [JsonNestingError],
});

export const TEXT_TARGETS: readonly RegisteredTarget[] = [note, checkpoint, cosignature, witnessRequest, hexHash, jsonNesting];
