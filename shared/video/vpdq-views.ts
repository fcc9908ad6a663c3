/**
 * vPDQ frames as a scan sees them: each hashed frame (every frameMod-th,
 * vpdq.ts's rule) as it is, and its inside when bars or a frame were added
 * around the picture (a letterboxed or framed re-upload), found by the
 * picture path's frame detection (shared/hashing/frame-detect.ts) and
 * hashed too. PDQ moves 70 to 110 bits under a 10% letterbox; the inside
 * comes back within a dozen (docs/VIDEO.md, "Scanning in the sidecar").
 */
import { cropLuma, detectFrame } from '../hashing/frame-detect.ts';
import { lumaFromPixels } from '../hashing/luma.ts';
import { pdqFromLuma } from '../hashing/pdq.ts';
import type { VideoFrame as HashedFrame } from '../video-match/index.ts';
import type { OpenedVideo } from './decode.ts';
import { vpdqFrameMod, vpdqTimestamp } from './vpdq.ts';

export interface VpdqViewFrame {
  /** The frame as decoded. */
  readonly frame: HashedFrame;
  /** Its inside, when a frame or bars were found around it. */
  readonly unframed: HashedFrame | undefined;
  /** The decoded RGB pixels: valid until the next frame is asked for (the decoder reuses the buffer). */
  readonly pixels: { readonly width: number; readonly height: number; readonly channels: 3; readonly data: Uint8Array };
}

/** Hashes every frameMod-th frame of an opened video; leaving the loop early ends the decoder. */
export async function* vpdqViews(video: OpenedVideo, secondsPerHash: number): AsyncGenerator<VpdqViewFrame, void, undefined> {
  const { fps, width, height } = video.info;
  const luma = new Float32Array(width * height);
  for await (const decoded of video.frames(vpdqFrameMod(secondsPerHash, fps))) {
    const pixels = { width: decoded.width, height: decoded.height, channels: 3 as const, data: decoded.data };
    const lumaImage = lumaFromPixels(pixels, luma);
    const timestamp = vpdqTimestamp(decoded.index, fps);
    const inside = detectFrame(lumaImage);
    yield {
      frame: { frame: decoded.index, ...pdqFromLuma(lumaImage), timestamp },
      unframed: inside === undefined ? undefined : { frame: decoded.index, ...pdqFromLuma(cropLuma(lumaImage, inside.box)), timestamp },
      pixels,
    };
  }
}

/** The two frame lists of a video's views: as decoded, and unframed (each frame's own hash where it has no frame); undefined when no frame had one. */
export function viewLists(views: readonly Omit<VpdqViewFrame, 'pixels'>[]): { frames: HashedFrame[]; unframed: HashedFrame[] | undefined } {
  const frames = views.map((v) => v.frame);
  return { frames, unframed: views.some((v) => v.unframed !== undefined) ? views.map((v) => v.unframed ?? v.frame) : undefined };
}
