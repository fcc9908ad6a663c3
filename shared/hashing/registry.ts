/**
 * The hash algorithms as values (STYLE convention 7). Names are storage keys
 * and wire values: never renamed. A hash value is its canonical bytes, the
 * hex string read as a big-endian number (algorithm.ts).
 */
import { HashFormatError } from './algorithm.ts';
import type { AlgorithmName, HashAlgorithm, VideoAlgorithmName, VideoHashAlgorithm } from './algorithm.ts';
import { formatHex, hammingDistance, parseHex } from './bits.ts';
import { quote } from '../quote.ts';

function perceptual(
  name: AlgorithmName,
  bits: number,
  defaultThreshold: number,
  examples: readonly string[],
  qualityFloor?: number,
): HashAlgorithm {
  return {
    name,
    bits,
    kind: 'perceptual',
    defaultThreshold,
    ...(qualityFloor === undefined ? {} : { qualityFloor }),
    parse: (hex) => parseHex(hex, bits, `${name} hash`),
    format: (bytes) => formatHex(checkLength(name, bits, bytes)),
    distance: (a, b) => hammingDistance(checkLength(name, bits, a), checkLength(name, bits, b)),
    examples,
  };
}

function exact(name: AlgorithmName, bits: number, examples: readonly string[]): HashAlgorithm {
  return {
    name,
    bits,
    kind: 'exact',
    defaultThreshold: 0,
    parse: (hex) => parseHex(hex, bits, `${name} hash`),
    format: (bytes) => formatHex(checkLength(name, bits, bytes)),
    distance: (a, b) => (hammingDistance(checkLength(name, bits, a), checkLength(name, bits, b)) === 0 ? 0 : bits),
    examples,
  };
}

function checkLength(name: AlgorithmName, bits: number, bytes: Uint8Array): Uint8Array {
  if (bytes.length !== bits / 8) {
    throw new HashFormatError('HASH_BAD_LENGTH', `a ${name} hash is ${bits / 8} bytes, got ${bytes.length}`);
  }
  return bytes;
}

/**
 * PDQ: threshold 31 and quality floor 50 are Meta's published operating
 * point. Examples: the all-zero hash (an image under 5 px), the reference's
 * hashes of the public bridge and LA test images, and their complements.
 */
export const pdq = perceptual(
  'pdq',
  256,
  31,
  [
    '0000000000000000000000000000000000000000000000000000000000000000',
    'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22',
    'accb6d39648035f8125c8ce6ba65007de7b54c67a2d93ef7b8f33b0611306715',
    '07070f311f0b57b0f9c8f5ddfc709c0f4c91d12a699de1e2cc194c63b16364dd',
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  ],
  50,
);

/**
 * pHash64 (docs/HASHING.md). Threshold 11: the largest whose false-positive
 * rate's 95 % upper bound stays under 1e-4 on the accuracy bench's fixtures
 * (docs/ACCURACY.md, "Thresholds from the ROC").
 */
export const phash64 = perceptual('phash64', 64, 11, ['0000000000000000', 'c3a55a3c0ff0e71b', '3c5aa5c3f00f18e4', 'ffffffffffffffff']);

/**
 * dHash64 (docs/HASHING.md): quality floor 50 on its own detail measure
 * (dhash.ts), as PDQ's. Threshold 3, read off the ROC as pHash64's: its
 * closest distinct pictures are 4 bits apart (docs/ACCURACY.md).
 */
export const dhash64 = perceptual('dhash64', 64, 3, ['0000000000000000', '8f0e1c3870e1c387', '70f1e3c78f1e3c78', 'ffffffffffffffff'], 50);

/** MD5 of the file bytes. Examples: MD5 of "" and of "abc". */
export const md5 = exact('md5', 128, ['d41d8cd98f00b204e9800998ecf8427e', '900150983cd24fb0d6963f7d28e17f72']);

/** SHA-256 of the file bytes. Examples: SHA-256 of "" and of "abc". */
export const sha256 = exact('sha256', 256, [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
]);

/**
 * vPDQ (Meta's video PDQ): one PDQ per sampled frame. The registry entry
 * describes one frame's hash (256 bits, matched within 31, frames of quality
 * below 50 dropped); a video indicator is a list of them
 * (shared/video-match, docs/PROTOCOL.md 8.1).
 */
export const vpdq = perceptual('vpdq', 256, 31, pdq.examples, 50);

/** Every algorithm, in a stable order. */
export const ALGORITHMS: readonly HashAlgorithm[] = [pdq, phash64, dhash64, md5, sha256, vpdq];

/**
 * vPDQ as a video algorithm (ThreatExchange vpdq; shared/video/vpdq.ts): a
 * video's hash is its list of frame hashes, each a `vpdq` value above. The
 * frame threshold 31, the quality floor 50 and the shares Pc = 80%, Pq = 0%
 * are the reference's defaults.
 */
export const vpdqVideo: VideoHashAlgorithm = {
  name: 'vpdq',
  kind: 'video',
  frame: vpdq,
  defaultFrameThreshold: 31,
  qualityFloor: 50,
  defaultCandidateShare: 0.8,
  defaultQueryShare: 0,
  defaultSecondsPerHash: 1,
};

/** Every video algorithm, in a stable order. */
export const VIDEO_ALGORITHMS: readonly VideoHashAlgorithm[] = [vpdqVideo];

/** True for the names of VIDEO_ALGORITHMS. */
export function isVideoAlgorithmName(name: unknown): name is VideoAlgorithmName {
  return VIDEO_ALGORITHMS.some((a) => a.name === name);
}

const BY_NAME = new Map<string, HashAlgorithm>(ALGORITHMS.map((a) => [a.name, a]));

/** True for the stable names. */
export function isAlgorithmName(name: unknown): name is AlgorithmName {
  return typeof name === 'string' && BY_NAME.has(name);
}

/** The algorithm called `name`; throws HashFormatError HASH_UNKNOWN_ALGORITHM. */
export function getAlgorithm(name: unknown): HashAlgorithm {
  const found = typeof name === 'string' ? BY_NAME.get(name) : undefined;
  if (found === undefined) {
    const known = ALGORITHMS.map((a) => a.name).join(', ');
    throw new HashFormatError('HASH_UNKNOWN_ALGORITHM', `unknown hash algorithm ${quote(name)} (known: ${known})`);
  }
  return found;
}
