/**
 * Image hashing: PDQ, pHash64, dHash64, MD5 and SHA-256, the registry that
 * names them, and image decoding. docs/HASHING.md defines the algorithms and
 * the two decode paths.
 */
export { HashFormatError } from './algorithm.ts';
export type { AlgorithmName, HashAlgorithm, HashFormatCode, VideoAlgorithmName, VideoHashAlgorithm } from './algorithm.ts';

export { ALGORITHMS, VIDEO_ALGORITHMS, dhash64, getAlgorithm, isAlgorithmName, isVideoAlgorithmName, md5, pdq, phash64, sha256, vpdq, vpdqVideo } from './registry.ts';

export { hashImage, hashPixels } from './hash-image.ts';
export type { HashedImage, HashResult, ImageHashOptions, PerceptualAlgorithmName, PixelHashOptions, UnframedHashes } from './hash-image.ts';

export { detectFrame } from './frame-detect.ts';
export type { DetectedFrame, FrameBox } from './frame-detect.ts';

export { DECODE_MODES, DEFAULT_MAX_PIXELS, FAST_DETAIL_MAX_SIDE, FAST_DETAIL_MIN_SIDE, FAST_MAX_SIDE, FAST_MIN_SIDE, FAST_WHOLE_MAX_PIXELS, ImageInputError, decodeImage, readImageHeader } from './image-input.ts';
export type { DecodeMode, DecodeOptions, DecodedImage, ImageFormat, ImageHeader, ImageInputCode } from './image-input.ts';

export { lumaFromPixels } from './luma.ts';
export type { LumaImage, PixelImage } from './luma.ts';

export { DIHEDRAL_NAMES, PDQ_MIN_DIMENSION, pdqDihedralsFromLuma, pdqFromLuma } from './pdq.ts';
export type { DihedralName, PdqDihedralResult, PdqOptions, PdqResult } from './pdq.ts';
export { phash64FromLuma } from './phash.ts';
export { dhash64FromLuma } from './dhash.ts';
export { md5Digest, sha256Digest } from './exact.ts';
