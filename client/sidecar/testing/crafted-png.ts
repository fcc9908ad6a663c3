import { deflateSync } from 'node:zlib';
import { encodePngChunk, PNG_SIGNATURE } from '../../../shared/hashing/png-chunks.ts';



/**
 * A PNG whose header declares an 8-bit RGB `width` x `height` image and
 * whose pixel data is `pixelData` (an IDAT chunk): a real header with broken
 * or missing content, a few bytes whatever size it claims.
 */
export function craftedPng(width: number, height: number, pixelData: 'garbage' | 'short'): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const data = pixelData === 'garbage' ? Buffer.alloc(4000, 0x5a) : deflateSync(Buffer.alloc(1000));
  return Buffer.concat([PNG_SIGNATURE, encodePngChunk('IHDR', header), encodePngChunk('IDAT', data), encodePngChunk('IEND', Buffer.alloc(0))]);
}
