/**
 * The animation frames of an animated PNG (APNG), which libvips does not
 * read: it decodes only the default image (IDAT), and a browser playing the
 * file may never show that image (the default image need not be part of
 * the animation). Each frame is rewritten as a standalone PNG (its fdAT data
 * as one IDAT) for sharp to decode, then composited onto the canvas as the
 * APNG specification says (blend and dispose operations), so that a scan
 * hashes what a viewer is shown (image-views.ts).
 *
 * Structure only: chunk CRCs are not checked (a viewer shows frames with bad
 * CRCs too), and a malformed frame ends the animation there.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import sharp from 'sharp';
import type { PixelImage } from './luma.ts';
import { encodePngChunk, IHDR, PNG_SIGNATURE, startsAsPng } from './png-chunks.ts';


/** Chunks read between turns of the event loop (a few milliseconds' work). */
const CHUNKS_PER_TURN = 16_384;

// Chunk types as big-endian numbers: compared without making a string of each chunk's type.
const ACTL = 0x6163544c;
const FCTL = 0x6663544c;
const FDAT = 0x66644154;
const IDAT = 0x49444154;
const IEND = 0x49454e44;
const PLTE = 0x504c5445;
const TRNS = 0x74524e53;

interface FrameControl {
  readonly width: number;
  readonly height: number;
  readonly x: number;
  readonly y: number;
  /** 0 none, 1 background (clear to transparent black), 2 previous (restore). */
  readonly dispose: number;
  /** 0 source (replace), 1 over (alpha-composite). */
  readonly blend: number;
}

export interface ApngFrame extends FrameControl {
  /** The frame as a standalone PNG of width x height. */
  readonly png: Uint8Array;
}

export interface ApngAnimation {
  readonly width: number;
  readonly height: number;
  /** Frames read, in order (at most the `maxFrames` asked for). */
  readonly frames: readonly ApngFrame[];
  /** Frames the file declares (acTL). */
  readonly total: number;
  /** A frame was malformed: the ones before it are given. */
  readonly partial: boolean;
}

/**
 * The animation of an APNG, up to `maxFrames` frames; undefined for a PNG
 * without one (no acTL before the first IDAT, where the specification
 * places it: a still PNG is read no further than its first IDAT) or no PNG.
 * One pass over the chunks; what it keeps is the frames' data once more at
 * most, however many chunks the data is cut into.
 */
export async function readApng(bytes: Uint8Array, maxFrames: number): Promise<ApngAnimation | undefined> {
  if (!startsAsPng(bytes)) return undefined;
  const fields = view(bytes);
  if (fields.getUint32(8) !== 13 || fields.getUint32(12) !== IHDR) return undefined;
  const ihdr = bytes.subarray(16, 29);
  const width = fields.getUint32(16);
  const height = fields.getUint32(20);

  let total: number | undefined;
  /** The first PLTE and tRNS, whole (length, type, data, CRC): every frame decodes with them. */
  const decodeChunks = new Map<number, Uint8Array>();
  const frames: ApngFrame[] = [];
  let partial = false;
  let control: FrameControl | undefined;
  /** The current frame's data as [start, end) offsets into `bytes`: `rangeCount` pairs. */
  let ranges = new Uint32Array(64);
  let rangeCount = 0;
  const addRange = (start: number, end: number): void => {
    if (2 * rangeCount + 2 > ranges.length) {
      const grown = new Uint32Array(ranges.length * 2);
      grown.set(ranges);
      ranges = grown;
    }
    ranges[2 * rangeCount] = start;
    ranges[2 * rangeCount + 1] = end;
    rangeCount++;
  };
  let seenImageData = false;
  const flush = async (): Promise<void> => {
    if (control !== undefined && rangeCount > 0 && frames.length < maxFrames) {
      frames.push({ ...control, png: await standalonePng(ihdr, control, [...decodeChunks.values()], bytes, ranges.subarray(0, 2 * rangeCount)) });
    }
    control = undefined;
    rangeCount = 0;
  };
  for (let at = 33, chunks = 0; at + 12 <= bytes.length && frames.length < maxFrames; chunks++) {
    // A file may be cut into millions of tiny chunks: give other requests a turn now and then.
    if (chunks % CHUNKS_PER_TURN === CHUNKS_PER_TURN - 1) await nextTurn();
    const length = fields.getUint32(at);
    const type = fields.getUint32(at + 4);
    const start = at + 8;
    const end = start + length;
    if (end + 4 > bytes.length || type === IEND) break;
    const chunkStart = at;
    at = end + 4;
    if (type === ACTL) {
      if (length >= 8 && total === undefined) total = fields.getUint32(start);
    } else if (type === PLTE || type === TRNS) {
      if (!seenImageData && !decodeChunks.has(type)) decodeChunks.set(type, bytes.subarray(chunkStart, at));
    } else if (type === FCTL) {
      await flush();
      control = frameControl(bytes.subarray(start, end), width, height);
      if (control === undefined) {
        partial = true;
        break;
      }
    } else if (type === IDAT) {
      if (total === undefined) return undefined;
      seenImageData = true;
      // The default image is the animation's first frame when an fcTL precedes it.
      if (control !== undefined) addRange(start, end);
    } else if (type === FDAT && control !== undefined && length > 4) {
      addRange(start + 4, end); // after the sequence number
    }
  }
  await flush();
  return total === undefined ? undefined : { width, height, frames, total, partial };
}

/** Whether a PNG declares an animation (acTL before its first IDAT), read from its chunk headers only. */
export async function isApng(bytes: Uint8Array): Promise<boolean> {
  if (!startsAsPng(bytes)) return false;
  const fields = view(bytes);
  for (let at = 8, chunks = 0; at + 8 <= bytes.length; chunks++) {
    if (chunks % CHUNKS_PER_TURN === CHUNKS_PER_TURN - 1) await nextTurn();
    const type = fields.getUint32(at + 4);
    if (type === ACTL) return true;
    if (type === IDAT || type === IEND) return false;
    at += 12 + fields.getUint32(at);
  }
  return false;
}

/**
 * Renders the frames onto the canvas one after another and hands each
 * rendered canvas to `visit` (RGBA, as displayed), which must finish with it
 * before the next is drawn. Never throws for bad data: a frame sharp
 * cannot decode ends the rendering there (`partial`).
 */
export async function renderApng(animation: ApngAnimation, visit: (canvas: PixelImage, index: number) => Promise<void>): Promise<{ rendered: number; partial: boolean }> {
  const { width, height } = animation;
  const canvas = new Uint8Array(width * height * 4);
  let rendered = 0;
  for (const [index, frame] of animation.frames.entries()) {
    let pixels: Buffer;
    try {
      pixels = await sharp(frame.png, { limitInputPixels: width * height, failOn: 'none' }).ensureAlpha().toColourspace('srgb').raw().toBuffer();
    } catch {
      return { rendered, partial: true };
    }
    if (pixels.length !== frame.width * frame.height * 4) return { rendered, partial: true };
    // Dispose "previous" on the first frame is "background" (APNG specification, fcTL).
    const dispose = index === 0 && frame.dispose === 2 ? 1 : frame.dispose;
    const saved = dispose === 2 ? region(canvas, width, frame) : undefined;
    draw(canvas, width, frame, pixels);
    await visit({ width, height, channels: 4, data: canvas }, index);
    rendered++;
    if (dispose === 1) clear(canvas, width, frame);
    else if (saved !== undefined) restore(canvas, width, frame, saved);
  }
  return { rendered, partial: animation.partial };
}

function frameControl(data: Uint8Array, canvasWidth: number, canvasHeight: number): FrameControl | undefined {
  if (data.length < 26) return undefined;
  const fields = view(data);
  const control = { width: fields.getUint32(4), height: fields.getUint32(8), x: fields.getUint32(12), y: fields.getUint32(16), dispose: data[24] ?? 0, blend: data[25] ?? 0 };
  const fits = control.width > 0 && control.height > 0 && control.x + control.width <= canvasWidth && control.y + control.height <= canvasHeight;
  return fits && control.dispose <= 2 && control.blend <= 1 ? control : undefined;
}

async function standalonePng(ihdr: Uint8Array, control: FrameControl, decodeChunks: readonly Uint8Array[], bytes: Uint8Array, ranges: Uint32Array): Promise<Uint8Array> {
  const header = Uint8Array.from(ihdr);
  view(header).setUint32(0, control.width);
  view(header).setUint32(4, control.height);
  let length = 0;
  for (let k = 0; k < ranges.length; k += 2) length += ranges[k + 1]! - ranges[k]!;
  const data = Buffer.alloc(length);
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0, at = 0; k < ranges.length; k += 2) {
    if (k % (2 * CHUNKS_PER_TURN) === 2 * CHUNKS_PER_TURN - 2) await nextTurn();
    at += source.copy(data, at, ranges[k], ranges[k + 1]);
  }
  return Buffer.concat([PNG_SIGNATURE, encodePngChunk('IHDR', header), ...decodeChunks, encodePngChunk('IDAT', data), encodePngChunk('IEND', new Uint8Array(0))]);
}


/** Draws a frame's RGBA pixels at its offset: replacing (blend 0) or alpha-compositing over (blend 1). */
function draw(canvas: Uint8Array, canvasWidth: number, frame: FrameControl, pixels: Uint8Array): void {
  for (let row = 0; row < frame.height; row++) {
    let src = row * frame.width * 4;
    let dst = ((frame.y + row) * canvasWidth + frame.x) * 4;
    if (frame.blend === 0) {
      canvas.set(pixels.subarray(src, src + frame.width * 4), dst);
      continue;
    }
    for (let col = 0; col < frame.width; col++, src += 4, dst += 4) {
      const alpha = pixels[src + 3]!;
      if (alpha === 0) continue;
      const below = canvas[dst + 3]!;
      if (alpha === 255 || below === 0) {
        canvas.set(pixels.subarray(src, src + 4), dst);
        continue;
      }
      // Porter-Duff "over" on straight (not premultiplied) alpha.
      const outAlpha = alpha + (below * (255 - alpha)) / 255;
      for (let c = 0; c < 3; c++) canvas[dst + c] = Math.round((pixels[src + c]! * alpha + (canvas[dst + c]! * below * (255 - alpha)) / 255) / outAlpha);
      canvas[dst + 3] = Math.round(outAlpha);
    }
  }
}

function region(canvas: Uint8Array, canvasWidth: number, frame: FrameControl): Uint8Array {
  const out = new Uint8Array(frame.width * frame.height * 4);
  for (let row = 0; row < frame.height; row++) {
    const start = ((frame.y + row) * canvasWidth + frame.x) * 4;
    out.set(canvas.subarray(start, start + frame.width * 4), row * frame.width * 4);
  }
  return out;
}

function restore(canvas: Uint8Array, canvasWidth: number, frame: FrameControl, saved: Uint8Array): void {
  for (let row = 0; row < frame.height; row++) canvas.set(saved.subarray(row * frame.width * 4, (row + 1) * frame.width * 4), ((frame.y + row) * canvasWidth + frame.x) * 4);
}

function clear(canvas: Uint8Array, canvasWidth: number, frame: FrameControl): void {
  for (let row = 0; row < frame.height; row++) {
    const start = ((frame.y + row) * canvasWidth + frame.x) * 4;
    canvas.fill(0, start, start + frame.width * 4);
  }
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
