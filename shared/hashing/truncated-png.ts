/**
 * An interlaced (Adam7) PNG cut off part-way: libvips refuses it whole,
 * while a browser shows every pass that arrived, the whole picture at a
 * lower resolution. This inflates the image data as far as it goes, pads
 * it with empty rows, and says which grid of pixels the complete passes
 * cover, so that the caller hashes those pixels (image-views.ts).
 * Non-interlaced PNGs need none of this: libvips decodes their rows as far
 * as they go.
 */
import { promisify } from 'node:util';
import { constants, deflate, inflate } from 'node:zlib';
import { encodePngChunk, IHDR, PNG_SIGNATURE, startsAsPng } from './png-chunks.ts';

// On libuv's pool: a large image's data would hold the event loop for seconds.
const inflateAsync = promisify(inflate);
const deflateAsync = promisify(deflate);


// Chunk types as big-endian numbers.
const IDAT = 0x49444154;
const IEND = 0x49454e44;
const PLTE = 0x504c5445;
const TRNS = 0x74524e53;

/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** The pixel grid (row step, column step) complete after passes 1..k: index k - 1. */
const GRID_AFTER_PASS = [
  [8, 8],
  [8, 4],
  [4, 4],
  [4, 2],
  [2, 2],
  [2, 1],
  [1, 1],
] as const;

/** Channels by PNG colour type. */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export interface RepairedPng {
  /** A complete PNG: the passes that arrived, the rest empty. */
  readonly png: Uint8Array;
  /** Rows and columns of it that the complete passes cover: every rowStep-th row, every colStep-th column, from the first. */
  readonly rowStep: number;
  readonly colStep: number;
}

/** The cut-off interlaced PNG completed, or undefined for bytes that are not one (or with no complete pass). */
export async function repairTruncatedInterlacedPng(bytes: Uint8Array, maxPixels: number): Promise<RepairedPng | undefined> {
  if (!startsAsPng(bytes)) return undefined;
  const fields = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (fields.getUint32(8) !== 13 || fields.getUint32(12) !== IHDR) return undefined;
  const width = fields.getUint32(16);
  const height = fields.getUint32(20);
  const depth = bytes[24]!;
  const channels = CHANNELS[bytes[25]!];
  if (bytes[28] !== 1 || channels === undefined || width < 1 || height < 1 || width * height > maxPixels) return undefined;

  const kept: Uint8Array[] = [];
  const data: Uint8Array[] = [];
  for (let at = 33; at + 8 <= bytes.length; ) {
    const length = fields.getUint32(at);
    const type = fields.getUint32(at + 4);
    const end = Math.min(bytes.length, at + 8 + length);
    if (type === IDAT) data.push(bytes.subarray(at + 8, end));
    else if ((type === PLTE || type === TRNS) && end === at + 8 + length && end + 4 <= bytes.length) kept.push(bytes.subarray(at, end + 4));
    else if (type === IEND) return undefined; // complete: not cut
    at += 12 + length;
  }

  // Each pass's size when complete: its rows, each a filter byte and its packed pixels.
  const passSizes = ADAM7.map(([x0, y0, dx, dy]) => {
    const columns = Math.ceil((width - x0) / dx);
    const rows = Math.ceil((height - y0) / dy);
    return columns > 0 && rows > 0 ? rows * (1 + Math.ceil((columns * channels * depth) / 8)) : 0;
  });
  const expected = passSizes.reduce((a, b) => a + b, 0);
  let inflated: Buffer;
  try {
    // As far as the cut stream goes, and never more than the image needs (a bomb stops there).
    inflated = await inflateAsync(Buffer.concat(data), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: Math.max(1, expected) });
  } catch {
    return undefined;
  }
  let complete = 0;
  for (let sum = 0; complete < passSizes.length && sum + passSizes[complete]! <= inflated.length; complete++) sum += passSizes[complete]!;
  if (complete === 0 || complete === passSizes.length) return undefined;

  const padded = Buffer.alloc(expected);
  inflated.copy(padded, 0, 0, Math.min(inflated.length, expected));
  const [rowStep, colStep] = GRID_AFTER_PASS[complete - 1]!;
  const png = Buffer.concat([PNG_SIGNATURE, bytes.subarray(8, 33), ...kept, encodePngChunk('IDAT', await deflateAsync(padded, { level: 1 })), encodePngChunk('IEND', new Uint8Array(0))]);
  return { png, rowStep, colStep };
}

