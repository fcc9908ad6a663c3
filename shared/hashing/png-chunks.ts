import { crc32 } from 'node:zlib';

/**
 * The PNG container's framing (PNG 1.2, section 5), for the readers that go
 * below what libvips offers: APNG animation frames (apng.ts) and cut-off
 * interlaced files (truncated-png.ts). Pixels stay libvips' business.
 */
export const PNG_SIGNATURE: Readonly<Uint8Array> = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);

/** The IHDR chunk type as a big-endian uint32, as chunk headers carry it. */
export const IHDR = 0x49484452;

/** Whether `bytes` start with the PNG signature and hold at least the IHDR chunk (33 bytes). */
export function startsAsPng(bytes: Uint8Array): boolean {
  return bytes.length >= 33 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** One chunk: length, type, data, CRC-32 over type and data. */
export function encodePngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
