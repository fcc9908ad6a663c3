import { isAlgorithmName, getAlgorithm } from '../hashing/registry.ts';
import { MAX_VIDEO_FRAMES, VPDQ_FRAME_BYTES } from '../video-match/frames.ts';

/**
 * How one indicator's hash is laid out in a group (docs/PROTOCOL.md 8.1):
 * `fixed`, every hash `bytes` long, back to back (the image and file
 * algorithms); `frames`, a list of 1..maxFrames frame hashes of
 * `frameBytes` each per indicator, whose lengths the group's `lengths`
 * column carries (vpdq).
 */
export type HashLayout =
  | { readonly kind: 'fixed'; readonly bytes: number }
  | { readonly kind: 'frames'; readonly frameBytes: number; readonly maxFrames: number };

/** An algorithm's layout; undefined for one this code does not know, whose groups are kept opaquely (8.1, "Unknown algorithms"). */
export type LayoutOf = (algorithm: string) => HashLayout | undefined;

const VPDQ_LAYOUT: HashLayout = { kind: 'frames', frameBytes: VPDQ_FRAME_BYTES, maxFrames: MAX_VIDEO_FRAMES };

/** The layouts of the registry's algorithms, as the feed carries them. */
export const feedHashLayout: LayoutOf = (algorithm) => {
  if (algorithm === 'vpdq') return VPDQ_LAYOUT;
  return isAlgorithmName(algorithm) ? { kind: 'fixed', bytes: getAlgorithm(algorithm).bits / 8 } : undefined;
};
