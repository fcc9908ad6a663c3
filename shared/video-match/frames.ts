import { parseHex } from '../hashing/bits.ts';
import { HashFormatError } from '../hashing/algorithm.ts';
import { vpdq } from '../hashing/registry.ts';
import { VideoMatchError } from './errors.ts';

/** One frame's PDQ: 32 bytes, the canonical bytes of shared/hashing. */
export const VPDQ_FRAME_BYTES = vpdq.bits / 8;
/** Frames below this quality are dropped before matching and at submission (the reference's rule, PDQ's floor). */
export const VPDQ_QUALITY_FLOOR = vpdq.qualityFloor ?? 50;
/** Two frames match within this Hamming distance, inclusive (`<=`, as PDQ image matching here: docs/MATCHING.md, "Video"). */
export const VPDQ_FRAME_DISTANCE = vpdq.defaultThreshold;
/**
 * Unique usable frames one video indicator may hold: 4096 is over an hour
 * at the default one hash per second, 128 KiB of hashes on the wire
 * (docs/PROTOCOL.md 8.1). A longer video is submitted as several indicators.
 */
export const MAX_VIDEO_FRAMES = 4096;
/** Frames one frame list may hold before deduplication (a query or a submission), so parsing is bounded. */
export const MAX_LISTED_FRAMES = 65_536;

/** One hashed frame as `hashfeed hash --algo vpdq --json` prints it. */
export interface VideoFrame {
  readonly frame: number;
  /** 0..100. */
  readonly quality: number;
  /** 32 bytes. */
  readonly hash: Uint8Array;
  /** Seconds from the start. */
  readonly timestamp: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const FRAME_FIELDS = new Set(['frame', 'quality', 'hash', 'timestamp']);

/**
 * A frame list from decoded JSON: the `frames` array itself, or the whole
 * `{path, algorithm: "vpdq", durationSec, frames}` object the CLI prints.
 * Every frame needs `quality` (integer 0..100) and `hash` (64 hex digits);
 * `frame` (integer >= 0) and `timestamp` (seconds >= 0) default to the
 * position and 0. VIDEO_BAD_FRAMES otherwise, naming the first bad frame.
 */
export function parseFrameList(value: unknown, maxFrames = MAX_LISTED_FRAMES): VideoFrame[] {
  let list: unknown = value;
  if (isRecord(value)) {
    if (value.algorithm !== undefined && value.algorithm !== vpdq.name) throw new VideoMatchError('VIDEO_BAD_FRAMES', `the frame list's algorithm must be '${vpdq.name}'`);
    list = value.frames;
  }
  if (!Array.isArray(list)) throw new VideoMatchError('VIDEO_BAD_FRAMES', 'a frame list is an array of frames, or an object with one in `frames`');
  if (list.length > maxFrames) throw new VideoMatchError('VIDEO_TOO_MANY_FRAMES', `a frame list holds at most ${maxFrames} frames before deduplication`);
  return list.map((item: unknown, i) => parseFrame(item, i));
}

function parseFrame(item: unknown, i: number): VideoFrame {
  const bad = (what: string): VideoMatchError => new VideoMatchError('VIDEO_BAD_FRAMES', `frames[${i}]: ${what}`);
  if (!isRecord(item)) throw bad('a frame is an object');
  for (const key of Object.keys(item)) if (!FRAME_FIELDS.has(key)) throw bad('unknown field');
  const { frame = i, quality, hash, timestamp = 0 } = item;
  if (typeof frame !== 'number' || !Number.isSafeInteger(frame) || frame < 0) throw bad('frame must be an integer >= 0');
  if (typeof quality !== 'number' || !Number.isInteger(quality) || quality < 0 || quality > 100) throw bad('quality must be an integer from 0 to 100');
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0) throw bad('timestamp must be a number of seconds >= 0');
  let bytes: Uint8Array;
  try {
    bytes = parseHex(hash, vpdq.bits, 'frame hash');
  } catch (err) {
    if (err instanceof HashFormatError) throw bad(`hash must be ${vpdq.bits / 4} hex digits`);
    throw err;
  }
  return { frame, quality, hash: bytes, timestamp };
}

const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/**
 * The reference's preparation of a frame list for matching: frames of
 * quality below the floor dropped, identical hashes kept once (with every
 * timestamp at which they occur, ascending), in first-seen order.
 */
export function usableUniqueFrames(frames: readonly VideoFrame[]): { hash: Uint8Array; timestamps: number[] }[] {
  const byHash = new Map<string, { hash: Uint8Array; timestamps: number[] }>();
  for (const f of frames) {
    if (f.quality < VPDQ_QUALITY_FLOOR) continue;
    const key = hexOf(f.hash);
    const found = byHash.get(key);
    if (found === undefined) byHash.set(key, { hash: f.hash, timestamps: [f.timestamp] });
    else found.timestamps.push(f.timestamp);
  }
  const out = [...byHash.values()];
  for (const u of out) u.timestamps.sort((a, b) => a - b);
  return out;
}

/**
 * A video indicator's value: its usable unique frame hashes in ascending
 * byte order, back to back (n x 32 bytes). Sorted so that one video
 * submitted twice is the same value (the Centre's duplicate check) and the
 * bytes signed do not depend on frame order, which matching ignores.
 * VIDEO_NO_USABLE_FRAMES when no frame reaches the floor;
 * VIDEO_TOO_MANY_FRAMES past MAX_VIDEO_FRAMES.
 */
export function videoIndicatorValue(frames: readonly VideoFrame[], maxFrames = MAX_VIDEO_FRAMES): Uint8Array {
  const unique = usableUniqueFrames(frames).map((u) => Buffer.from(u.hash));
  if (unique.length === 0) throw new VideoMatchError('VIDEO_NO_USABLE_FRAMES', `no frame reaches quality ${VPDQ_QUALITY_FLOOR}`);
  if (unique.length > maxFrames) {
    throw new VideoMatchError('VIDEO_TOO_MANY_FRAMES', `a video indicator holds at most ${maxFrames} unique frames of quality >= ${VPDQ_QUALITY_FLOOR}, this one ${unique.length}`);
  }
  unique.sort(Buffer.compare);
  return new Uint8Array(Buffer.concat(unique));
}

/** The frame hashes of an indicator value (views into it). VIDEO_BAD_FRAMES if it is not a whole, non-empty number of frames. */
export function framesOfValue(value: Uint8Array): Uint8Array[] {
  if (value.byteLength === 0 || value.byteLength % VPDQ_FRAME_BYTES !== 0) {
    throw new VideoMatchError('VIDEO_BAD_FRAMES', `a video indicator is a whole number of ${VPDQ_FRAME_BYTES}-byte frame hashes`);
  }
  const out: Uint8Array[] = [];
  for (let at = 0; at < value.byteLength; at += VPDQ_FRAME_BYTES) out.push(value.subarray(at, at + VPDQ_FRAME_BYTES));
  return out;
}

/** The text form of an indicator value (exports, the console): its frame hashes in hex, joined by ':'. */
export function formatVideoValue(value: Uint8Array): string {
  return framesOfValue(value).map(hexOf).join(':');
}

/** Reads formatVideoValue's form (':', ';', ',' or whitespace between hashes also accepted): usable frames only, so every frame counts. */
export function parseVideoValue(text: string, maxFrames = MAX_VIDEO_FRAMES): Uint8Array {
  const parts = text.split(/[\s:;,]+/).filter((p) => p !== '');
  if (parts.length > MAX_LISTED_FRAMES) throw new VideoMatchError('VIDEO_TOO_MANY_FRAMES', `a frame list holds at most ${MAX_LISTED_FRAMES} frames before deduplication`);
  const frames = parts.map((hash, i) => parseFrame({ hash, quality: 100, frame: i }, i));
  return videoIndicatorValue(frames, maxFrames);
}
