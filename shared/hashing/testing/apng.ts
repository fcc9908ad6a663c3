import sharp from 'sharp';
import { encodePngChunk, PNG_SIGNATURE } from '../png-chunks.ts';


export interface ApngFrameSpec {
  /** The frame's pixels as a PNG (any PNG sharp writes: its IDAT data become the frame's). */
  readonly png: Uint8Array;
  readonly x?: number;
  readonly y?: number;
  /** 0 none, 1 background, 2 previous. */
  readonly dispose?: number;
  /** 0 source, 1 over. */
  readonly blend?: number;
}


function chunksOf(png: Uint8Array): { type: string; data: Buffer }[] {
  const bytes = Buffer.from(png);
  const out: { type: string; data: Buffer }[] = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    out.push({ type: bytes.toString('latin1', at + 4, at + 8), data: bytes.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

/**
 * An animated PNG as the APNG specification lays it out: `defaultImage`'s
 * pixels are the IDAT, shown by viewers without APNG support, and are the
 * animation's first frame only when `defaultIsFirstFrame`; `frames` follow
 * as fcTL + fdAT. Every PNG given must share the default image's bit depth
 * and colour type (8-bit RGBA here: each is made so).
 */
export async function buildApng(defaultImage: Uint8Array, frames: readonly ApngFrameSpec[], defaultIsFirstFrame = false): Promise<Buffer> {
  const rgba = async (png: Uint8Array): Promise<Buffer> => sharp(png).ensureAlpha().png({ palette: false }).toBuffer();
  const base = chunksOf(await rgba(defaultImage));
  const ihdr = base.find((c) => c.type === 'IHDR')?.data ?? Buffer.alloc(13);
  const canvasWidth = ihdr.readUInt32BE(0);
  const canvasHeight = ihdr.readUInt32BE(4);
  let sequence = 0;
  const fctl = (width: number, height: number, spec: Omit<ApngFrameSpec, 'png'>): Buffer => {
    const data = Buffer.alloc(26);
    data.writeUInt32BE(sequence++, 0);
    data.writeUInt32BE(width, 4);
    data.writeUInt32BE(height, 8);
    data.writeUInt32BE(spec.x ?? 0, 12);
    data.writeUInt32BE(spec.y ?? 0, 16);
    data.writeUInt16BE(1, 20);
    data.writeUInt16BE(10, 22);
    data[24] = spec.dispose ?? 0;
    data[25] = spec.blend ?? 0;
    return encodePngChunk('fcTL', data);
  };
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(frames.length + (defaultIsFirstFrame ? 1 : 0), 0);
  const parts: Uint8Array[] = [PNG_SIGNATURE, encodePngChunk('IHDR', ihdr), encodePngChunk('acTL', actl)];
  if (defaultIsFirstFrame) parts.push(fctl(canvasWidth, canvasHeight, {}));
  for (const c of base.filter((c) => c.type === 'IDAT')) parts.push(encodePngChunk('IDAT', c.data));
  for (const frame of frames) {
    const own = chunksOf(await rgba(frame.png));
    const header = own.find((c) => c.type === 'IHDR')?.data ?? Buffer.alloc(13);
    parts.push(fctl(header.readUInt32BE(0), header.readUInt32BE(4), frame));
    for (const c of own.filter((c) => c.type === 'IDAT')) {
      const number = Buffer.alloc(4);
      number.writeUInt32BE(sequence++);
      parts.push(encodePngChunk('fdAT', Buffer.concat([number, c.data])));
    }
  }
  parts.push(encodePngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}
